import { join } from 'node:path';
import { readJsonObject, readTextFile } from './read-json.js';
import type { JsonObject } from './read-json.js';

/** File names of a Hugging Face tokenizer folder. */
export const TOKENIZER_FILE_NAMES = {
  tokenizerJson: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  specialTokensMap: 'special_tokens_map.json',
  generationConfig: 'generation_config.json',
  modelConfig: 'config.json',
  chatTemplate: 'chat_template.jinja',
} as const;

/** The parsed contents of a tokenizer folder; only tokenizer.json is required. */
export interface TokenizerFiles {
  /** Where the files live (or a label for files made in memory), used in error messages. */
  folder: string;
  tokenizerJson: JsonObject;
  tokenizerConfig?: JsonObject;
  specialTokensMap?: JsonObject;
  generationConfig?: JsonObject;
  /** config.json: the fallback for eos_token_id when generation_config.json is absent. */
  modelConfig?: JsonObject;
  chatTemplate?: string;
}

/** Reads every tokenizer file of a model folder; errors name the file that is missing or broken. */
export async function readTokenizerFiles(folder: string): Promise<TokenizerFiles> {
  const path = (name: string) => join(folder, name);
  const names = TOKENIZER_FILE_NAMES;
  const [tokenizerJson, tokenizerConfig, specialTokensMap, generationConfig, modelConfig, chatTemplate] = await Promise.all([
    readJsonObject(path(names.tokenizerJson)),
    readJsonObject(path(names.tokenizerConfig), { optional: true }),
    readJsonObject(path(names.specialTokensMap), { optional: true }),
    readJsonObject(path(names.generationConfig), { optional: true }),
    readJsonObject(path(names.modelConfig), { optional: true }),
    readTextFile(path(names.chatTemplate), true),
  ]);
  return { folder, tokenizerJson, tokenizerConfig, specialTokensMap, generationConfig, modelConfig, chatTemplate };
}

/** The path of one of the folder's files, for messages. */
export function filePath(files: TokenizerFiles, name: keyof typeof TOKENIZER_FILE_NAMES): string {
  return join(files.folder, TOKENIZER_FILE_NAMES[name]);
}
