// End-to-end: the engine's gradients train small networks with plain SGD, and the same
// gradients agree with finite differences.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { causalMask, crossEntropy, softmax } from '../graph/composite.js';
import { fromNumbers, type FloatDType } from '../graph/dtype.js';
import { Graph } from '../graph/graph.js';
import { sizeOf, type Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { Runtime } from '../runtime/runtime.js';
import { checkGradients } from '../testing/grad-check.js';
import { mulberry32, uniform } from '../testing/random.js';
import { gradients } from './grad.js';

type Model = (g: Graph, params: Tensor[]) => Tensor;

/** Trains `params` with SGD on a fixed batch; returns the loss before and after. */
async function trainSgd(rt: Runtime, shapes: Shape[], model: Model, steps: number, lr: number, seed: number) {
  const g = new Graph();
  const params = shapes.map((s, i) => g.input(`p${i}`, s));
  const loss = model(g, params);
  const grads = gradients(g, loss, params);
  const outputs: Record<string, Tensor> = { loss };
  grads.forEach((t, i) => (outputs[`g${i}`] = t));
  const exe = await rt.compile(g, outputs);
  const rand = mulberry32(seed);
  const values = shapes.map((s) => Float32Array.from(uniform(rand, sizeOf(s), -0.5, 0.5)));
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const feeds: Record<string, Float32Array> = {};
    values.forEach((v, i) => (feeds[`p${i}`] = v));
    const out = await exe.run(feeds);
    losses.push(out.loss!.data[0] as number);
    values.forEach((v, i) => {
      const grad = out[`g${i}`]!.data as Float32Array;
      for (let j = 0; j < v.length; j++) v[j]! -= lr * grad[j]!;
    });
  }
  return { first: losses[0]!, last: losses[losses.length - 1]! };
}

// Two-layer MLP on 12 points in three classes: XOR corners and a centre cluster, not linearly separable.
const MLP_POINTS = [
  [0, 0], [1, 1], [0, 1], [1, 0], [0.1, 0.9], [0.9, 0.1], [0.2, 0.1], [0.8, 0.9],
  [0.5, 0.5], [0.4, 0.6], [0.6, 0.4], [0.45, 0.5],
];
const MLP_LABELS = [0, 0, 1, 1, 1, 1, 0, 0, 2, 2, 2, 2];
const mlp = (dtype: FloatDType): Model => (g, [w1, b1, w2, b2]) => {
  const x = g.constant(fromNumbers(dtype, MLP_POINTS.flat()), [12, 2], dtype);
  const h = g.tanh(g.add(g.matMul(x, w1!), b1!)); // (12, H)
  const logits = g.add(g.matMul(h, w2!), b2!); // (12, 3)
  return crossEntropy(g, logits, g.constant(fromNumbers('int64', MLP_LABELS), [12], 'int64')).loss;
};
const MLP_SHAPES: Shape[] = [[2, 16], [16], [16, 3], [3]];

// One causal self-attention block that must learn to output the previous token.
const VOCAB = 6;
const T = 5;
const B = 8;
function copyTask(seed: number) {
  const rand = mulberry32(seed);
  const tokens = Array.from({ length: B * T }, () => Math.floor(rand() * VOCAB));
  const targets = tokens.map((_, i) => (i % T === 0 ? -100 : tokens[i - 1]!));
  return { tokens, targets };
}
const attention = (C: number, dtype: FloatDType, task = copyTask(7)): Model => (g, [emb, pos, wq, wk, wv, wo]) => {
  const ids = g.constant(fromNumbers('int64', task.tokens), [B, T], 'int64');
  const x = g.add(g.gather(emb!, ids), pos!); // (B, T, C)
  const q = g.matMul(x, wq!);
  const k = g.matMul(x, wk!);
  const v = g.matMul(x, wv!);
  const scores = g.add(g.div(g.matMul(q, g.transposeLast(k)), g.scalar(Math.sqrt(C), dtype)), causalMask(g, T, dtype));
  const h = g.add(x, g.matMul(softmax(g, scores), v)); // (B, T, C)
  const logits = g.reshape(g.matMul(h, wo!), [B * T, VOCAB]);
  return crossEntropy(g, logits, g.constant(fromNumbers('int64', task.targets), [B * T], 'int64')).loss;
};
const attentionShapes = (C: number): Shape[] => [[VOCAB, C], [T, C], [C, C], [C, C], [C, C], [C, VOCAB]];

describe('training with the engine', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('a two-layer MLP learns a non-linear toy task (loss < 0.05)', async () => {
    const { first, last } = await trainSgd(rt, MLP_SHAPES, mlp('float32'), 1500, 0.5, 1);
    assert.ok(first > 1, `initial loss ${first}`);
    assert.ok(last < 0.05, `final loss ${last}`);
  });

  it('a causal self-attention block learns to copy the previous token (loss < 0.1)', async () => {
    const { first, last } = await trainSgd(rt, attentionShapes(16), attention(16, 'float32'), 600, 1.0, 2);
    assert.ok(first > 1.5, `initial loss ${first}`);
    assert.ok(last < 0.1, `final loss ${last}`);
  });

  it('the MLP and attention gradients agree with finite differences', async () => {
    await checkGradients(rt, { shapes: MLP_SHAPES, dtype: 'float64', seed: 11, build: mlp('float64') });
    await checkGradients(rt, { shapes: attentionShapes(4), dtype: 'float64', seed: 12, build: attention(4, 'float64') });
  });
});
