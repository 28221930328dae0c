import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../testing/random.js';
import { bucketLength, planEpoch } from './batching.js';

describe('length-grouped batches', () => {
  const rand = mulberry32(5);
  const lengths = Array.from({ length: 1000 }, () => 10 + Math.floor(rand() * 500));

  it('takes every example once per epoch, padded to its bucket, longest first within each chunk of 32 batches (so equal lengths follow each other)', () => {
    const plan = planEpoch(lengths, 4, 42, 0);
    const rows = plan.flatMap((b) => b.rows).filter((r) => r >= 0).sort((a, b) => a - b);
    assert.deepEqual(rows, lengths.map((_, i) => i));
    for (const b of plan) assert.equal(b.length, bucketLength(Math.max(...b.rows.filter((r) => r >= 0).map((r) => lengths[r]!))));
    for (let start = 0; start < plan.length; start += 32) {
      const chunk = plan.slice(start, start + 32).map((b) => b.length);
      assert.deepEqual(chunk, [...chunk].sort((a, b) => b - a), `chunk at batch ${start}`);
    }
  });

  it('orders each epoch differently, the same way for the same seed', () => {
    const order = (seed: number, epoch: number) => planEpoch(lengths, 4, seed, epoch).flatMap((b) => b.rows);
    assert.deepEqual(order(42, 1), order(42, 1));
    assert.notDeepEqual(order(42, 0), order(42, 1));
    assert.notDeepEqual(order(42, 0), order(43, 0));
  });
});
