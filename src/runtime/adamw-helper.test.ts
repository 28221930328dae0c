import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helperShare } from './adamw-helper.js';

describe('helperShare', () => {
  it('gives the helper about half of the elements, largest movable tensors first', () => {
    const sizes = [100_000, 600_000, 300_000, 400_000];
    assert.deepEqual(helperShare(sizes, [true, true, true, true], 2), [3, 2]);
    assert.deepEqual(helperShare(sizes, [true, true, false, true], 2), [3, 0]);
  });

  it('keeps one-thread and small steps at home', () => {
    assert.deepEqual(helperShare([700_000, 600_000], [true, true], 1), []);
    assert.deepEqual(helperShare([500_000, 400_000], [true, true], 2), []);
  });
});
