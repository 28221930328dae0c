import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuiltTokenizer } from './build-bpe.js';
import { TOKENIZER_FILE_NAMES } from './tokenizer-files.js';

/** Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json as the Python libraries save them. */
export async function writeTokenizerFiles(folder: string, built: Pick<BuiltTokenizer, 'tokenizerJson' | 'tokenizerConfig' | 'specialTokensMap'>): Promise<void> {
  await mkdir(folder, { recursive: true });
  const names = TOKENIZER_FILE_NAMES;
  await writeFile(join(folder, names.tokenizerJson), JSON.stringify(built.tokenizerJson, null, 2));
  // transformers saves these two with sorted keys and a final newline.
  await writeFile(join(folder, names.tokenizerConfig), sortedJson(built.tokenizerConfig) + '\n');
  await writeFile(join(folder, names.specialTokensMap), sortedJson(built.specialTokensMap) + '\n');
}

function sortedJson(value: object): string {
  const sorted = Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify(sorted, null, 2);
}
