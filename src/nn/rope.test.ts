// Rotary embeddings: the tables' layout, and Graph.rotary (onnxruntime's kernel) against the
// rotate_half formula written out per element, with every dim rotated and with a partial rotation.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Graph } from '../graph/graph.js';
import { Runtime } from '../runtime/runtime.js';
import { mulberry32 } from '../testing/random.js';
import { inverseFrequencies, ropeTables } from './rope.js';

/** y = x * cos + rotate_half(x) * sin on the first 2 * half dims of each (b, n, t) row of x (B, N, T, D). */
function rotateHalf(x: Float32Array, [, n, t, d]: [number, number, number, number], cos: Float32Array, sin: Float32Array, half: number): Float32Array {
  const y = Float32Array.from(x);
  for (let r = 0; r < x.length / d; r++) {
    const row = Math.floor(r / (n * t)) * t + (r % t); // b * T + t
    for (let j = 0; j < half; j++) {
      const c = cos[row * half + j]!;
      const s = sin[row * half + j]!;
      const x1 = x[r * d + j]!;
      const x2 = x[r * d + j + half]!;
      y[r * d + j] = x1 * c - x2 * s;
      y[r * d + j + half] = x2 * c + x1 * s;
    }
  }
  return y;
}

describe('rotary embeddings', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('tables hold one angle per position and frequency', () => {
    const inv = inverseFrequencies(8, 10000);
    const { cos, sin } = ropeTables([0, 3], inv);
    assert.equal(cos.length, 2 * 4);
    assert.deepEqual(Array.from(cos.slice(0, 4)), [1, 1, 1, 1]);
    assert.ok(Math.abs(sin[4 + 1]! - Math.sin(Math.fround(Math.fround(inv[1]!) * 3))) < 1e-7);
  });

  for (const [shape, rotaryDim] of [[[2, 3, 4, 8], 8], [[2, 2, 3, 8], 4]] as [[number, number, number, number], number][]) {
    it(`rotates (${shape}) on ${rotaryDim} dims as rotate_half does`, async () => {
      const [b, , t, d] = shape;
      const half = rotaryDim / 2;
      const random = mulberry32(7);
      const x = Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => random() * 2 - 1);
      // Row b*T + t at position 5b + t: each batch row has its own positions.
      const positions = Array.from({ length: b * t }, (_, r) => 5 * Math.floor(r / t) + (r % t));
      const { cos, sin } = ropeTables(positions, inverseFrequencies(rotaryDim, 100));
      const g = new Graph();
      const y = g.rotary(g.input('x', shape), g.input('cos', [b * t, half]), g.input('sin', [b * t, half]));
      const out = await (await rt.compile(g, { y })).run({ x, cos, sin });
      const expected = rotateHalf(x, shape, cos, sin, half);
      const got = out.y!.data as Float32Array;
      got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `element ${i}: ${v} vs ${expected[i]}`));
      assert.ok(rotaryDim === d || got.every((v, i) => i % d < rotaryDim || v === x[i]), 'the unrotated dims pass through');
    });
  }

  it('names the shapes it needs', () => {
    const g = new Graph();
    assert.throws(() => g.rotary(g.input('x', [1, 2, 3, 8]), g.input('c', [3, 8]), g.input('s', [3, 8])), /Rotary: needs x \(B, N, T, D\).*R <= D/);
  });
});
