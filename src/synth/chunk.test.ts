import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tinyTokenizer } from '../data/testing/tiny-tokenizers.js';
import { APPROXIMATE_COUNTER, chunkText, codePointOffsets, tokenizerCounter, type TokenCounter } from './chunk.js';

/** One token per word: boundaries are easy to reason about. */
const words: TokenCounter = { name: 'words', count: (text) => (text.match(/\S+/g) ?? []).length };

const numbered = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `w${from + i}`).join(' ');

describe('chunkText', () => {
  it('a text that fits is one chunk; an empty one is none', () => {
    assert.deepEqual(chunkText('  hello there  ', { size: 10, overlap: 2, counter: words }), [{ index: 0, start: 2, end: 13, text: 'hello there', tokens: 2 }]);
    assert.deepEqual(chunkText(' \n\n ', { size: 10, overlap: 2, counter: words }), []);
  });

  it('fills chunks to the size, overlaps by the given tokens, and covers every word', () => {
    const text = numbered(25);
    const chunks = chunkText(text, { size: 10, overlap: 3, counter: words });
    assert.deepEqual(chunks.map((c) => c.text), [numbered(10), numbered(10, 7), numbered(10, 14), numbered(4, 21)]);
    for (const c of chunks) assert.equal(text.slice(c.start, c.end), c.text);
    assert.deepEqual(chunkText(text, { size: 10, overlap: 0, counter: words }).map((c) => c.tokens), [10, 10, 5]);
  });

  it('cuts at a paragraph, else a sentence, in the back half of the chunk', () => {
    const paragraph = `${numbered(6)}.\n\n${numbered(6, 6)}`;
    assert.deepEqual(chunkText(paragraph, { size: 10, overlap: 0, counter: words }).map((c) => c.text), [`${numbered(6)}.`, numbered(6, 6)]);
    const sentence = `${numbered(3)}. ${numbered(4, 3)}. ${numbered(6, 7)}`;
    assert.deepEqual(chunkText(sentence, { size: 10, overlap: 0, counter: words }).map((c) => c.text), [`${numbered(3)}. ${numbered(4, 3)}.`, numbered(6, 7)]);
    // A boundary in the front half would leave a small chunk: the cut stays at the size.
    const early = `${numbered(2)}.\n\n${numbered(12, 2)}`;
    assert.deepEqual(chunkText(early, { size: 10, overlap: 0, counter: words }).map((c) => c.tokens), [10, 4]);
  });

  it('a word longer than a chunk is cut into parts', () => {
    const long = 'x'.repeat(100);
    const chunks = chunkText(`a ${long} b`, { size: 10, overlap: 0, counter: APPROXIMATE_COUNTER });
    assert.ok(chunks.every((c) => c.tokens <= 10), JSON.stringify(chunks));
    assert.equal(chunks.map((c) => c.text).join('').replace(/\s/g, ''), `a${long}b`);
  });

  it('with a real tokenizer no chunk exceeds the size, counted on its own text', () => {
    const tok = tinyTokenizer('chatml');
    const counter = tokenizerCounter(tok, 'tiny');
    const text = Array.from({ length: 30 }, (_, i) => `${i % 3 ? ' ' : '\n\n'}The capital of France is Paris, said speaker ${i}. Hello world!`).join('');
    const chunks = chunkText(text, { size: 40, overlap: 8, counter });
    assert.ok(chunks.length > 3);
    for (const c of chunks) {
      assert.ok(c.tokens <= 40 && c.tokens === tok.encode(c.text, { addSpecialTokens: false }).length);
      assert.equal(text.slice(c.start, c.end), c.text);
    }
    for (let k = 1; k < chunks.length; k++) assert.ok(chunks[k]!.start < chunks[k - 1]!.end && chunks[k]!.start > chunks[k - 1]!.start, 'chunks overlap and move on');
  });

  it('refuses an overlap as large as the chunk', () => {
    assert.throws(() => chunkText('a b', { size: 4, overlap: 4, counter: words }), RangeError);
  });

  it('code point offsets count a character outside the BMP once', () => {
    const text = 'a\u{1F950}b\u{1F950}c';
    const at = codePointOffsets(text);
    assert.deepEqual([at(0), at(1), at(3), at(4), at(6), at(7)], [0, 1, 2, 3, 4, 5]);
    assert.equal(codePointOffsets('plain')(3), 3);
  });
});
