import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildByteLevelBpe } from './build-bpe.js';
import { loadTokenizer } from './load-tokenizer.js';
import { StreamDecoder } from './stream-decoder.js';
import { TOKENIZER_FIXTURES } from './testing/fixture-folders.js';
import { Tokenizer } from './tokenizer.js';

// With no merges every UTF-8 byte is one token, so multi-byte characters arrive in pieces.
const built = buildByteLevelBpe({ vocabSize: 259, style: 'chatml' });
const bytesOnly = new Tokenizer({ folder: '<built>', tokenizerJson: built.tokenizerJson, tokenizerConfig: built.tokenizerConfig });

test('holds back a character until all its bytes have arrived', () => {
  const ids = bytesOnly.encode('a😀é', { addSpecialTokens: false });
  assert.equal(ids.length, 1 + 4 + 2);
  const stream = bytesOnly.createStreamDecoder();
  assert.deepEqual(ids.map((id) => stream.push(id)), ['a', '', '', '', '😀', '', 'é']);
  assert.equal(stream.flush(), '');
});

test('flush lets an incomplete character out as U+FFFD', () => {
  const ids = bytesOnly.encode('😀', { addSpecialTokens: false });
  const stream = bytesOnly.createStreamDecoder();
  assert.equal(stream.push(...ids.slice(0, 2)), '');
  assert.equal(stream.flush(), '\uFFFD');
  assert.equal(stream.flush(), '');
});

test('bytes that never form a character are not held forever', () => {
  const continuation = bytesOnly.encode('é', { addSpecialTokens: false })[1]!;
  const stream = bytesOnly.createStreamDecoder();
  const out = Array.from({ length: 10 }, () => stream.push(continuation)).join('') + stream.flush();
  assert.equal(out, '\uFFFD'.repeat(10));
});

test('special tokens: kept as text, or skipped without disturbing the rest', () => {
  const ids = bytesOnly.encode('<|im_start|>hé<|im_end|>', { addSpecialTokens: false });
  for (const skipSpecialTokens of [false, true]) {
    const stream = bytesOnly.createStreamDecoder({ skipSpecialTokens });
    const text = ids.map((id) => stream.push(id)).join('') + stream.flush();
    assert.equal(text, skipSpecialTokens ? 'hé' : '<|im_start|>hé<|im_end|>');
  }
});

test('byte-fallback pieces (<0xF0>...) of a SentencePiece tokenizer stream whole characters', async () => {
  const tok = await loadTokenizer(join(TOKENIZER_FIXTURES, 'llama-sp'));
  const ids = tok.encode('Hi 😀 there', { addSpecialTokens: false });
  const stream = tok.createStreamDecoder();
  const pieces = ids.map((id) => stream.push(id));
  assert.ok(pieces.includes(' 😀') || pieces.includes('😀'), JSON.stringify(pieces));
  assert.ok(pieces.every((piece) => !piece.includes('\uFFFD')));
  // The leading-space strip of the decoder applies once, at the very start.
  assert.equal(pieces.join('') + stream.flush(), 'Hi 😀 there');
  assert.deepEqual(stream.tokenIds, ids);
});

test('emits the difference even when the decoder rewrites the start of its window', () => {
  // A decoder that drops one leading space, like SentencePiece's Strip.
  const words = ['_Hello', '_big', '_world'];
  const stream = new StreamDecoder((ids) => ids.map((id) => words[id]!.replace('_', ' ')).join('').replace(/^ /, ''));
  assert.deepEqual([stream.push(0), stream.push(1), stream.push(2)], ['Hello', ' big', ' world']);
});
