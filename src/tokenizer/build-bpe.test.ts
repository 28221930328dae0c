import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Tokenizer as LibraryTokenizer } from '@huggingface/tokenizers';
import { TunaInputError } from '../errors.js';
import { buildByteLevelBpe } from './build-bpe.js';
import { BYTE_ALPHABET } from './byte-level.js';
import { BUILT_FIXTURES, TOKENIZER_FIXTURES } from './testing/fixture-folders.js';
import { Tokenizer } from './tokenizer.js';
import { writeTokenizerFiles } from './write-tokenizer-files.js';

const inMemory = (built: ReturnType<typeof buildByteLevelBpe>) =>
  new Tokenizer({ folder: '<built>', tokenizerJson: built.tokenizerJson, tokenizerConfig: built.tokenizerConfig, specialTokensMap: built.specialTokensMap });

test('writes the exact schema of tokenizer.json', () => {
  const json = buildByteLevelBpe({ vocabSize: 300, style: 'chatml' }).tokenizerJson;
  assert.deepEqual(Object.keys(json), ['version', 'truncation', 'padding', 'added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'model']);
  assert.deepEqual(Object.keys(json.model as object), [
    'type', 'dropout', 'unk_token', 'continuing_subword_prefix', 'end_of_word_suffix', 'fuse_unk', 'byte_fallback', 'ignore_merges', 'vocab', 'merges',
  ]);
  assert.deepEqual((json.added_tokens as object[])[0], {
    id: 0, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  });
});

test('vocabulary: specials, then the 256 bytes, then merges, ids dense', () => {
  for (const style of ['chatml', 'llama'] as const) {
    const built = buildByteLevelBpe({ vocabSize: 400, style, specialTokens: ['<|tool|>'] });
    const model = built.tokenizerJson.model as { vocab: Record<string, number>; merges: [string, string][] };
    const byId = Object.entries(model.vocab).sort((a, b) => a[1] - b[1]);
    assert.deepEqual(byId.map(([, id]) => id), [...Array(400).keys()]);
    assert.deepEqual(byId.slice(4, 260).map(([token]) => token), BYTE_ALPHABET);
    for (const [left, right] of model.merges) assert.ok(left in model.vocab && right in model.vocab && left + right in model.vocab);
    assert.equal(model.vocab['<|tool|>'], 3);
    assert.deepEqual(built.tokenizerConfig.additional_special_tokens, ['<|tool|>']);
  }
});

test('hand-checked ids with no merges: one id per UTF-8 byte', () => {
  const tok = inMemory(buildByteLevelBpe({ vocabSize: 259, style: 'chatml' }));
  // Printable ASCII sits at 3 + (byte - 0x21); the space is the 33rd remapped byte: 3 + 188 + 32.
  assert.deepEqual(tok.encode('Hi!'), [3 + 0x48 - 0x21, 3 + 0x69 - 0x21, 3]);
  assert.deepEqual(tok.encode(' '), [3 + 188 + 32]);
  assert.deepEqual(tok.encode('\n'), [3 + 188 + 10]);
  // é is C3 A9: both printable Latin-1, at 3 + 94 + (byte - 0xA1) and 3 + 94 + 12 + (byte - 0xAE).
  assert.deepEqual(tok.encode('é'), [3 + 94 + 12 + 0xc3 - 0xae, 3 + 94 + 0xa9 - 0xa1]);
  assert.deepEqual(tok.encode('<|im_end|>x'), [2, 3 + 0x78 - 0x21]);
});

test('merges make common words single tokens and round-trip any text', () => {
  const tok = inMemory(buildByteLevelBpe({ vocabSize: 1000, style: 'chatml' }));
  assert.deepEqual(tok.encode(' the').map((id) => tok.idToToken(id)), ['Ġthe']);
  for (const text of ['The boat left the harbor.', 'naïve 😀 日本\n\n\tx', '']) assert.equal(tok.decode(tok.encode(text)), text);
});

test('loads in @huggingface/tokenizers directly', () => {
  const built = buildByteLevelBpe({ vocabSize: 512, style: 'llama' });
  const library = new LibraryTokenizer(built.tokenizerJson, built.tokenizerConfig);
  const encoded = library.encode('Hello world');
  assert.equal(encoded.ids[0], built.bosTokenId);
  assert.equal(library.decode(encoded.ids, { skip_special_tokens: true }), 'Hello world');
});

test('is deterministic and matches the committed fixtures (TUNA_UPDATE_FIXTURES=1 rewrites them)', async () => {
  for (const [name, options] of Object.entries(BUILT_FIXTURES)) {
    const built = buildByteLevelBpe(options);
    assert.deepEqual(buildByteLevelBpe(options), built);
    const folder = join(TOKENIZER_FIXTURES, name);
    if (process.env.TUNA_UPDATE_FIXTURES === '1') await writeTokenizerFiles(folder, built);
    const committed = JSON.parse(await readFile(join(folder, 'tokenizer.json'), 'utf8'));
    assert.deepEqual(committed, built.tokenizerJson, `${name}/tokenizer.json differs from a fresh build`);
    const config = JSON.parse(await readFile(join(folder, 'tokenizer_config.json'), 'utf8'));
    assert.deepEqual(config, built.tokenizerConfig);
  }
});

test('the built-in corpus is enough for 2,048 ids', () => {
  const built = buildByteLevelBpe({ vocabSize: 2048, style: 'chatml' });
  assert.equal(Object.keys((built.tokenizerJson.model as { vocab: object }).vocab).length, 2048);
});

test('reports ids for the model config', () => {
  const chatml = buildByteLevelBpe({ vocabSize: 300, style: 'chatml' });
  assert.deepEqual([chatml.bosTokenId, chatml.eosTokenId, chatml.padTokenId, chatml.unkTokenId, chatml.vocabSize], [1, 2, 0, 0, 300]);
  const llama = buildByteLevelBpe({ vocabSize: 300, style: 'llama' });
  assert.deepEqual([llama.bosTokenId, llama.eosTokenId, llama.padTokenId, llama.unkTokenId], [1, 2, 0, 0]);
});

test('rejects sizes it cannot build, naming the limit', () => {
  assert.throws(() => buildByteLevelBpe({ vocabSize: 200, style: 'chatml' }), (e: unknown) => e instanceof TunaInputError && /at least 259/.test(e.message));
  assert.throws(() => buildByteLevelBpe({ vocabSize: 600, style: 'chatml', corpus: 'tiny text' }), /only supports a vocabulary of \d+ tokens, not 600/);
  assert.throws(() => buildByteLevelBpe({ vocabSize: 600, style: 'gpt' as never }), /'chatml' or 'llama'/);
});
