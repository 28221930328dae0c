import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildByteLevelBpe } from './build-bpe.js';
import { loadTokenizer } from './load-tokenizer.js';
import { makeTempFolder } from './testing/temp-folder.js';
import { writeTokenizerFiles } from './write-tokenizer-files.js';

test('written files load back and behave like the built tokenizer', async () => {
  const folder = join(await makeTempFolder({}), 'model');
  const built = buildByteLevelBpe({ vocabSize: 512, style: 'chatml' });
  await writeTokenizerFiles(folder, built);
  const tok = await loadTokenizer(folder);
  assert.deepEqual([tok.bosTokenId, tok.eosTokenId, tok.padTokenId, tok.vocabSize], [built.bosTokenId, built.eosTokenId, built.padTokenId, 512]);
  const text = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
  assert.equal(tok.decode(tok.encode(text)), text);
});

test('tokenizer_config.json and special_tokens_map.json are saved with sorted keys, as transformers saves them', async () => {
  const folder = await makeTempFolder({});
  await writeTokenizerFiles(folder, buildByteLevelBpe({ vocabSize: 300, style: 'llama' }));
  for (const name of ['tokenizer_config.json', 'special_tokens_map.json']) {
    const text = await readFile(join(folder, name), 'utf8');
    const keys = Object.keys(JSON.parse(text));
    assert.deepEqual(keys, [...keys].sort(), name);
    assert.ok(text.endsWith('}\n'));
  }
});
