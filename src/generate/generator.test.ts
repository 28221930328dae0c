import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheCapacity } from './generator.js';

describe('cacheCapacity', () => {
  it('rounds up to a quarter of the power of two, at least 64', () => {
    assert.deepEqual([1, 64, 65, 256, 257, 320, 321, 513, 1000, 2000].map(cacheCapacity), [64, 64, 128, 256, 320, 320, 384, 640, 1024, 2048]);
  });

  it('holds n, leaves at most a quarter (or 63 slots) unfilled, and makes at most four sizes per doubling', () => {
    const sizes = new Set<number>();
    for (let n = 1; n <= 8192; n++) {
      const c = cacheCapacity(n);
      assert.ok(c >= n && c - n <= Math.max(63, n / 4), `n=${n}: capacity ${c}`);
      if (n > 1024 && n <= 2048) sizes.add(c);
    }
    assert.ok(sizes.size <= 4, `sizes for 1025..2048: ${[...sizes]}`);
  });
});
