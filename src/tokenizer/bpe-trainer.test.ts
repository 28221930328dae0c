import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainBpeMerges } from './bpe-trainer.js';

test('merges the most frequent pair first and reuses merged tokens', () => {
  // "low" x5, "lower" x2, "newest" x6, "widest" x3: the textbook example.
  const counts = new Map([['low', 5], ['lower', 2], ['newest', 6], ['widest', 3]]);
  const alphabet = [...new Set('lowernewestwidest')].sort();
  const { tokens, merges } = trainBpeMerges(counts, alphabet, alphabet.length + 4);
  // es (9), est (9), lo (7), low (7): ties broken by the smaller ids.
  assert.deepEqual(merges, [['e', 's'], ['es', 't'], ['l', 'o'], ['lo', 'w']]);
  assert.deepEqual(tokens.slice(alphabet.length), ['es', 'est', 'lo', 'low']);
});

test('stops when no pair is left', () => {
  const { tokens, merges } = trainBpeMerges(new Map([['ab', 1]]), ['a', 'b'], 100);
  assert.deepEqual(merges, [['a', 'b']]);
  assert.deepEqual(tokens, ['a', 'b', 'ab']);
});

test('is deterministic when every pair ties', () => {
  const counts = new Map([['cd', 1], ['ab', 1], ['bc', 1]]);
  const first = trainBpeMerges(counts, ['a', 'b', 'c', 'd'], 7);
  const second = trainBpeMerges(new Map([...counts].reverse()), ['a', 'b', 'c', 'd'], 7);
  assert.deepEqual(first.merges, [['a', 'b'], ['b', 'c'], ['c', 'd']]);
  assert.deepEqual(second.merges, first.merges);
});

test('keeps tokens unique and every merge result in the vocabulary (seeded random corpora)', () => {
  let state = 12345;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 20; round++) {
    const counts = new Map<string, number>();
    for (let w = 0; w < 15; w++) {
      const word = Array.from({ length: 1 + Math.floor(random() * 6) }, () => 'abc'[Math.floor(random() * 3)]).join('');
      counts.set(word, (counts.get(word) ?? 0) + 1 + Math.floor(random() * 4));
    }
    const { tokens, merges } = trainBpeMerges(counts, ['a', 'b', 'c'], 30);
    assert.equal(new Set(tokens).size, tokens.length);
    for (const [left, right] of merges) {
      assert.ok(tokens.includes(left) && tokens.includes(right) && tokens.includes(left + right));
    }
  }
});

test('rejects characters outside the alphabet', () => {
  assert.throws(() => trainBpeMerges(new Map([['az', 1]]), ['a'], 5), /"z" is not in the alphabet/);
});
