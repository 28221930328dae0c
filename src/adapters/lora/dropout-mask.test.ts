import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Graph } from '../../graph/graph.js';
import { Runtime } from '../../runtime/runtime.js';
import { mulberry32 } from '../../testing/random.js';
import { dropoutBits, maskRowBytes, unpackBits } from './dropout-mask.js';

const bit = (bits: Uint8Array, stride: number, row: number, col: number) => (bits[row * stride + (col >> 3)]! >> (col & 7)) & 1;

describe('LoRA dropout bit masks', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('drops each element with probability p, independently of its place in the row', () => {
    const [rows, features, p] = [400, 1003, 0.2];
    const stride = maskRowBytes(features);
    const bits = dropoutBits(rows, features, p, mulberry32(7));
    assert.equal(bits.length, rows * stride);
    let dropped = 0;
    const byColumnBit = new Array<number>(8).fill(0);
    let pairs = 0;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < features; c++) {
        const d = 1 - bit(bits, stride, r, c);
        dropped += d;
        byColumnBit[c & 7]! += d;
        if (c > 0) pairs += d * (1 - bit(bits, stride, r, c - 1));
      }
      // The padding bits past the last feature stay set.
      for (let c = features; c < stride * 8; c++) assert.equal(bit(bits, stride, r, c), 1);
    }
    const n = rows * features;
    const sd = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(dropped / n - p) < 4 * sd, `dropped ${dropped / n}`);
    for (const k of byColumnBit) assert.ok(Math.abs(k / (n / 8) - p) < 4 * sd * Math.sqrt(8), `bit position ${k / (n / 8)}`);
    // Neighbours are independent: both dropped with probability p².
    assert.ok(Math.abs(pairs / (rows * (features - 1)) - p * p) < 0.004, `pairs ${pairs / (rows * (features - 1))}`);
  });

  it('keeps everything at p = 0 and is reproducible from the seed', () => {
    assert.ok(dropoutBits(3, 17, 0, mulberry32(1)).every((b) => b === 0xff));
    assert.deepEqual(dropoutBits(5, 64, 0.1, mulberry32(3)), dropoutBits(5, 64, 0.1, mulberry32(3)));
    assert.notDeepEqual(dropoutBits(5, 64, 0.1, mulberry32(3)), dropoutBits(5, 64, 0.1, mulberry32(4)));
  });

  it('unpacks in the graph to the same 0/1 elements, cutting the padding', async () => {
    const [batch, length, features] = [2, 3, 13];
    const stride = maskRowBytes(features);
    const bits = dropoutBits(batch * length, features, 0.4, mulberry32(11));
    const g = new Graph();
    const mask = g.cast(unpackBits(g, g.input('bits', [batch, length, stride], 'uint8'), features, g.input('x', [1])), 'float32');
    assert.deepEqual(mask.shape, [batch, length, features]);
    const out = await (await rt.compile(g, { mask })).run({ bits: { data: bits, shape: [batch, length, stride], dtype: 'uint8' }, x: new Float32Array([2]) });
    const want = Float32Array.from({ length: batch * length * features }, (_, i) => bit(bits, stride, Math.floor(i / features), i % features));
    assert.deepEqual(out.mask!.data, want);
  });
});
