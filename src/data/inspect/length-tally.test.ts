import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashKey53 } from '../split/key-hash.js';
import { tallyOf } from './length-tally.js';
import { lengthStats } from './length-stats.js';
import { textHistogram } from './length-tally.js';
import { mulberry32 } from '../split/prng.js';

describe('LengthTally', () => {
  it('gives the same statistics and histogram as the list functions', () => {
    const next = mulberry32(7);
    for (const size of [1, 2, 19, 20, 21, 500]) {
      const values = Array.from({ length: size }, () => next() % 97);
      const tally = tallyOf(values);
      assert.deepEqual(tally.stats(), lengthStats(values));
      assert.equal(tally.histogram({ bins: 7, width: 20 }), textHistogram(values, { bins: 7, width: 20 }));
      assert.equal(tally.countAbove(50), values.filter((v) => v > 50).length);
    }
    assert.equal(tallyOf([]).histogram(), '(no values)');
  });
});

describe('hashKey53', () => {
  it('is a stable 53-bit integer that tells near keys apart', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20000; i++) seen.add(hashKey53(`{"kind":"text","text":"example ${i}"}`));
    assert.equal(seen.size, 20000);
    const h = hashKey53('abc');
    assert.ok(Number.isSafeInteger(h) && h >= 0);
    assert.equal(hashKey53('abc'), h);
    assert.notEqual(hashKey53('ab'), hashKey53('ba'));
  });
});
