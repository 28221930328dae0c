import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { rmsNorm, silu } from '../graph/composite.js';
import { Graph } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';
import { lowerToOnnx } from '../onnx/lower.js';
import { Runtime } from '../runtime/runtime.js';
import { mulberry32 } from '../testing/random.js';
import { checkpoint } from './checkpoint.js';
import { gradients } from './grad.js';

/** Two residual MLP blocks; with `checkpointed`, each block is recomputed in the backward pass. */
function build(checkpointed: boolean) {
  const g = new Graph();
  const x0 = g.input('x', [2, 3, 4]);
  const params: Tensor[] = [];
  let x = x0;
  for (let i = 0; i < 2; i++) {
    const norm = g.input(`norm${i}`, [4]);
    const up = g.input(`up${i}`, [4, 6]);
    const down = g.input(`down${i}`, [6, 4]);
    params.push(norm, up, down);
    const block = ([h]: Tensor[]) => [g.add(h!, g.matMul(silu(g, g.matMul(rmsNorm(g, h!, norm, 1e-6), up)), down))];
    x = checkpointed ? checkpoint(g, [x], block)[0]! : block([x])[0]!;
  }
  const loss = g.reduceSum(g.mul(x, x), [0, 1, 2]);
  const grads = gradients(g, loss, [x0, ...params]);
  return { g, outputs: Object.fromEntries([['loss', loss], ...grads.map((t, i) => [`grad${i}`, t] as const)]) };
}

describe('gradient checkpointing', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('gives the gradients of the plain graph, recomputing each block in the backward pass', async () => {
    const rand = mulberry32(5);
    const feeds: Record<string, Float32Array> = { x: Float32Array.from({ length: 24 }, () => rand() - 0.5) };
    for (let i = 0; i < 2; i++) {
      feeds[`norm${i}`] = Float32Array.from({ length: 4 }, () => 1 + rand() * 0.1);
      feeds[`up${i}`] = Float32Array.from({ length: 24 }, () => rand() - 0.5);
      feeds[`down${i}`] = Float32Array.from({ length: 24 }, () => rand() - 0.5);
    }
    const plain = build(false);
    const ckpt = build(true);
    const plainNodes = lowerToOnnx(plain.g, plain.outputs).nodeCount;
    const ckptNodes = lowerToOnnx(ckpt.g, ckpt.outputs).nodeCount;
    assert.ok(ckptNodes > plainNodes, `the checkpointed graph recomputes: ${ckptNodes} nodes vs ${plainNodes}`);
    const a = await (await rt.compile(plain.g, plain.outputs)).run(feeds);
    const b = await (await rt.compile(ckpt.g, ckpt.outputs)).run(feeds);
    for (const name of Object.keys(plain.outputs)) {
      const x = a[name]!.data as Float32Array;
      const y = b[name]!.data as Float32Array;
      for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i]! - y[i]!) <= 1e-5 * (1 + Math.abs(x[i]!)), `${name}[${i}]: ${x[i]} vs ${y[i]}`);
    }
  });

  it('recomputes a block only after the gradients of the later blocks\' parameters exist', () => {
    // The runtime may order a parameter's gradient (a graph output nothing else reads) last;
    // without this dependency every recomputed block would stay alive until then.
    const dependsOn = (g: Graph, t: Tensor, on: Tensor) => {
      const seen = new Set<number>();
      const stack = [t];
      while (stack.length > 0) {
        const u = stack.pop()!;
        if (u.id === on.id) return true;
        if (seen.has(u.id)) continue;
        seen.add(u.id);
        stack.push(...(u.producer?.inputs ?? []));
      }
      return false;
    };
    for (const checkpointed of [true, false]) {
      const { g, outputs } = build(checkpointed);
      // grad1..3: the first block's norm, up, down; grad4..6: the second block's.
      for (const later of ['grad4', 'grad5', 'grad6']) {
        assert.equal(dependsOn(g, outputs.grad2!, outputs[later]!), checkpointed, `grad2 after ${later}, checkpointed: ${checkpointed}`);
      }
    }
  });

  it('rejects a block that builds different nodes when replayed', () => {
    const g = new Graph();
    const x = g.input('x', [2, 2]);
    let calls = 0;
    const [y] = checkpoint(g, [x], ([h]) => [calls++ === 0 ? g.exp(g.neg(h!)) : g.exp(h!)]);
    assert.throws(() => gradients(g, g.reduceSum(y!, [0, 1]), [x]), /checkpoint: the block built 2 nodes, then 1/);
  });
});
