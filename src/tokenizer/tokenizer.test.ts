import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TunaInputError } from '../errors.js';
import { buildByteLevelBpe } from './build-bpe.js';
import { Tokenizer } from './tokenizer.js';

const built = buildByteLevelBpe({ vocabSize: 400, style: 'chatml' });
const tok = new Tokenizer({ folder: '<built>', tokenizerJson: built.tokenizerJson, tokenizerConfig: built.tokenizerConfig });

test('decode: empty input, ids past the vocabulary and negative ids give text, not errors', () => {
  assert.equal(tok.decode([]), '');
  const ids = tok.encode('Hello there');
  assert.equal(tok.decode([...ids, 400, 5000, -1]), 'Hello there');
  assert.equal(tok.decode([2], { skipSpecialTokens: true }), '');
});

test('vocabulary helpers and special ids', () => {
  assert.equal(tok.vocabSize, 400);
  assert.equal(tok.tokenToId('<|im_end|>'), 2);
  assert.equal(tok.idToToken(2), '<|im_end|>');
  assert.equal(tok.tokenToId('not a token'), undefined);
  assert.ok(tok.isSpecialTokenId(0) && tok.isSpecialTokenId(1) && tok.isSpecialTokenId(2));
  assert.ok(!tok.isSpecialTokenId(3));
  assert.deepEqual(tok.eosTokenIds, [2]);
});

test('additional special tokens are skipped by skipSpecialTokens', () => {
  const withTool = buildByteLevelBpe({ vocabSize: 300, style: 'chatml', specialTokens: ['<|tool|>'] });
  const t = new Tokenizer({ folder: '<built>', tokenizerJson: withTool.tokenizerJson, tokenizerConfig: withTool.tokenizerConfig });
  const ids = t.encode('<|tool|>x');
  assert.equal(ids[0], 3);
  assert.equal(t.decode(ids, { skipSpecialTokens: true }), 'x');
});

test('clean_up_tokenization_spaces follows tokenizer_config (off unless set, as in transformers)', () => {
  const text = 'Hi , there .';
  assert.equal(tok.decode(tok.encode(text)), text);
  const cleaning = new Tokenizer({ folder: '<built>', tokenizerJson: built.tokenizerJson, tokenizerConfig: { ...built.tokenizerConfig, clean_up_tokenization_spaces: true } });
  assert.equal(cleaning.decode(cleaning.encode(text)), 'Hi, there.');
});

test('text outside a vocabulary without unk_token: dropped like the Rust library, or an error naming the folder', () => {
  const model = { type: 'BPE', vocab: { a: 0, b: 1 }, merges: [], unk_token: null };
  const tiny = new Tokenizer({ folder: '/models/tiny', tokenizerJson: { model } });
  assert.deepEqual(tiny.encode('abc'), [0, 1]);
  // A WordPiece unk_token missing from the vocabulary leaves no id at all.
  const wordPiece = { type: 'WordPiece', vocab: { a: 0 }, unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100 };
  const broken = new Tokenizer({ folder: '/models/tiny', tokenizerJson: { model: wordPiece, pre_tokenizer: { type: 'Whitespace' } } });
  assert.throws(() => broken.encode('a c'), (e: unknown) => e instanceof TunaInputError && /^\/models\/tiny: tokenizer\.json gives no id for part of "a c"/.test(e.message));
});

test('a tokenizer.json the library cannot build is reported against the file', () => {
  assert.throws(
    () => new Tokenizer({ folder: '/models/odd', tokenizerJson: { model: { type: 'Mystery' }, added_tokens: [] } }),
    (e: unknown) => e instanceof TunaInputError && /^\/models\/odd\/tokenizer\.json: cannot build the tokenizer/.test(e.message),
  );
  assert.throws(
    () => new Tokenizer({ folder: '/models/odd', tokenizerJson: { model: {}, added_tokens: [{ content: 'x' }] } }),
    /added_tokens\[0\] needs an integer "id" and a string "content"/,
  );
});
