import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTick, niceScale } from './chart-scale.js';

describe('niceScale', () => {
  it('rounds the range outward to ticks at 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual(niceScale(0.31, 2.74), { min: 0, max: 3, ticks: [0, 0.5, 1, 1.5, 2, 2.5, 3], step: 0.5 });
    assert.deepEqual(niceScale(1, 60, 6, 1).ticks, [0, 10, 20, 30, 40, 50, 60]);
  });

  it('keeps whole-number axes whole and avoids float drift in labels', () => {
    assert.deepEqual(niceScale(1, 3, 6, 1).ticks, [1, 2, 3]);
    assert.deepEqual(niceScale(0.1, 0.3, 2).ticks, [0.1, 0.2, 0.3]);
  });

  it('widens a single value into a range', () => {
    const scale = niceScale(2, 2);
    assert.ok(scale.min < 2 && scale.max > 2);
    assert.throws(() => niceScale(Number.NaN, 1), /must be finite/);
  });
});

describe('formatTick', () => {
  it('uses as many decimals as the step needs', () => {
    assert.equal(formatTick(1.5, 0.5), '1.5');
    assert.equal(formatTick(0.05, 0.05), '0.05');
    assert.equal(formatTick(200, 100), '200');
    assert.equal(formatTick(2, 1), '2');
  });
});
