import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdamWArrays } from './adamw-kernel.js';
import { helperShare } from './adamw-helper.js';

const tensor = (n: number, shared?: ArrayBuffer): AdamWArrays => ({
  param: shared ? new Float32Array(shared, 0, n) : new Float32Array(n),
  m: new Float32Array(n), v: new Float32Array(n), grad: new Float32Array(n), decay: true,
});

describe('helperShare', () => {
  it('gives the helper about half of the elements, largest tensors first', () => {
    const tensors = [tensor(100_000), tensor(600_000), tensor(300_000), tensor(400_000)];
    const share = helperShare(tensors, 2);
    assert.deepEqual(share, [3, 2]);
    const there = share.reduce((n, i) => n + tensors[i]!.param.length, 0);
    assert.equal(there, 700_000);
  });

  it('keeps tensors whose buffers are shared or partly viewed, and small or one-thread steps, at home', () => {
    const buffer = new ArrayBuffer(4 * 700_000);
    const tensors = [tensor(700_000), tensor(600_000, buffer), tensor(500_000)];
    tensors.push({ ...tensor(1), param: new Float32Array(buffer, 4 * 600_000, 1) });
    assert.deepEqual(helperShare(tensors, 2), [2]);
    const view = tensor(600_000);
    view.m = new Float32Array(new ArrayBuffer(4 * 600_001), 4, 600_000);
    assert.deepEqual(helperShare([tensor(700_000), view], 2), []);
    assert.deepEqual(helperShare([tensor(700_000), tensor(600_000)], 1), []);
    assert.deepEqual(helperShare([tensor(500_000), tensor(400_000)], 2), []);
  });
});
