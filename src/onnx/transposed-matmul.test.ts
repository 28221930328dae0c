import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { Graph } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';
import { Runtime } from '../runtime/runtime.js';
import { mulberry32, uniform } from '../testing/random.js';
import { lowerToOnnx } from './lower.js';

const { onnx } = onnxProto as unknown as { onnx: { ModelProto: { decode(b: Uint8Array): { graph: { node: { opType: string; attribute: { name: string; i?: number | { toNumber(): number } }[] }[] } } } } };

/** The lowered model's ops, and each FusedMatMul's (transA, transB). */
function loweredOps(g: Graph, outputs: Record<string, Tensor>) {
  const nodes = onnx.ModelProto.decode(lowerToOnnx(g, outputs).bytes).graph.node;
  const flag = (n: (typeof nodes)[number], name: string) => Number(n.attribute.find((a) => a.name === name)?.i ?? 0);
  return {
    ops: nodes.map((n) => n.opType),
    fused: nodes.filter((n) => n.opType === 'FusedMatMul').map((n) => [flag(n, 'transA'), flag(n, 'transB')]),
  };
}

/** a (..., M, K) times b (..., K, N) on the host, batch dims equal. */
function product(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number): Float32Array {
  const out = new Float32Array(batch * m * n);
  for (let s = 0; s < batch; s++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[(s * m + i) * k + p]! * b[(s * k + p) * n + j]!;
        out[(s * m + i) * n + j] = sum;
      }
    }
  }
  return out;
}

function transposeLast(x: Float32Array, batch: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let s = 0; s < batch; s++) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[(s * cols + j) * rows + i] = x[(s * rows + i) * cols + j]!;
  return out;
}

const close = (got: Float32Array, want: Float32Array, what: string) =>
  want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) < 1e-5, `${what}[${i}]: ${got[i]} vs ${w}`));

describe('a MatMul of a transposed operand lowers to one FusedMatMul', () => {
  const rt = new Runtime();
  after(() => rt.close());
  const [S, M, K, N] = [2, 3, 5, 4];
  const x = Float32Array.from(uniform(mulberry32(1), S * M * K, -1, 1)); // (S, M, K)
  const w = Float32Array.from(uniform(mulberry32(2), S * N * K, -1, 1)); // (S, N, K)

  it('x · wᵀ reads w with transB and emits no Transpose; xᵀᵀ is x itself', async () => {
    const g = new Graph();
    const xs = g.input('x', [S, M, K]);
    const ws = g.input('w', [S, N, K]);
    const y = g.matMul(g.transposeLast(g.transposeLast(xs)), g.transposeLast(ws));
    const lowered = loweredOps(g, { y });
    assert.equal(lowered.ops.filter((op) => op === 'Transpose').length, 0, lowered.ops.join(' '));
    assert.deepEqual(lowered.fused, [[0, 1]]);
    const out = await (await rt.compile(g, { y })).run({ x, w });
    close(out.y!.data as Float32Array, product(x, transposeLast(w, S, N, K), S, M, K, N), 'y');
  });

  it('xᵀ · v reads x with transA; chains of swaps cancel; a transpose something else reads stays', async () => {
    const g = new Graph();
    const xt = g.transposeLast(g.input('x', [S, M, K])); // (S, K, M)
    const wt = g.transposeLast(g.input('w', [S, N, K])); // (S, K, N)
    const y = g.matMul(g.transposeLast(wt), g.transposeLast(g.transposeLast(xt))); // (S, N, K) · (S, K, M)
    const z = g.matMul(xt, g.input('v', [S, M, 2])); // (S, K, 2): xᵀ · v
    const kept = g.add(wt, g.scalar(1)); // wt has a consumer that is not a product
    const lowered = loweredOps(g, { y, z, kept });
    assert.equal(lowered.ops.filter((op) => op === 'Transpose').length, 1, lowered.ops.join(' '));
    assert.deepEqual(lowered.fused, [[0, 1], [1, 0]]); // w · x read through two swaps each, then xᵀ · v
    const v = Float32Array.from(uniform(mulberry32(3), S * M * 2, -1, 1));
    const out = await (await rt.compile(g, { y, z, kept })).run({ x, w, v });
    close(out.y!.data as Float32Array, product(w, transposeLast(x, S, M, K), S, N, K, M), 'y');
    close(out.z!.data as Float32Array, product(transposeLast(x, S, M, K), v, S, K, M, 2), 'z');
    close(out.kept!.data as Float32Array, transposeLast(w, S, N, K).map((t) => t + 1), 'kept');
  });
});
