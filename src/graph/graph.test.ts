import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../autodiff/grad.js';
import { GradError, gradRules, type GradRuleTable } from '../autodiff/rules.js';
import { lowerToOnnx } from '../onnx/lower.js';
import { Graph, GraphError } from './graph.js';
import type { Op } from './ops.js';

describe('graph builder', () => {
  it('infers broadcast and matmul shapes', () => {
    const g = new Graph();
    const a = g.input('a', [2, 1, 4]);
    const b = g.input('b', [3, 1]);
    assert.deepEqual(g.add(a, b).shape, [2, 3, 4]);
    const m = g.matMul(g.input('m', [5, 2, 3]), g.input('n', [3, 7]));
    assert.deepEqual(m.shape, [5, 2, 7]);
    assert.deepEqual(g.reshape(m, [-1, 7]).shape, [10, 7]);
    assert.deepEqual(g.gather(g.input('e', [10, 4]), g.input('i', [2, 3], 'int64')).shape, [2, 3, 4]);
    assert.deepEqual(g.reduceSum(m, [0, -1], true).shape, [1, 2, 1]);
    assert.deepEqual(g.slice(m, [1], [-1], [0]).shape, [3, 2, 7]);
  });

  it('throws at build time, naming the op and the shapes', () => {
    const g = new Graph();
    const a = g.input('a', [2, 3]);
    assert.throws(() => g.add(a, g.input('b', [4])), /Add: shapes \[2, 3\] and \[4\] do not broadcast/);
    assert.throws(() => g.matMul(a, g.input('c', [2, 3])), /MatMul: shapes \[2, 3\] and \[2, 3\] do not multiply/);
    assert.throws(() => g.reshape(a, [4, -1]), /Reshape: cannot reshape \[2, 3\] to \[4, -1\]/);
    assert.throws(() => g.transpose(a, [0, 0]), /Transpose: perm \[0,0\]/);
    assert.throws(() => g.concat([a, g.input('d', [2, 4])], 0), /Concat: shapes/);
    assert.throws(() => g.add(a, g.input('i', [2, 3], 'int64')), /Add: dtypes differ \(float32 and int64\)/);
    assert.throws(() => g.reduceSum(a, [2]), /ReduceSum: axis 2 is out of range for \[2, 3\]/);
    assert.throws(() => g.input('a', [1]), /input "a" is declared twice/);
    assert.throws(() => g.add(a, new Graph().input('x', [2, 3])), GraphError);
  });

  it('refuses the gradient of a non-scalar', () => {
    const g = new Graph();
    const a = g.input('a', [2, 3]);
    assert.throws(() => gradients(g, g.exp(a), [a]), /gradient needs a float scalar to differentiate, got Exp#0 float32\[2, 3\]/);
  });

  it('tells "no gradient" (index inputs) from "unsupported" (no rule)', () => {
    const g = new Graph();
    const table = g.input('table', [5, 2]);
    const ids = g.input('ids', [3], 'int64');
    const [grad] = gradients(g, g.reduceSum(g.gather(table, ids), [0, 1]), [table]);
    assert.deepEqual(grad!.shape, [5, 2]);
    assert.throws(() => gradients(g, g.reduceSum(table, [0, 1]), [ids as never]), /not a float tensor/);

    const h = new Graph();
    const x = h.input('x', [2]);
    const rules = { ...gradRules } as Partial<GradRuleTable>;
    delete rules.Exp;
    assert.throws(() => gradients(h, h.reduceSum(h.exp(x), [0]), [x], rules as GradRuleTable), (e: unknown) =>
      e instanceof GradError && /unsupported op "Exp"/.test(e.message));
  });

  it('rejects an unknown op when lowering', () => {
    const g = new Graph();
    const x = g.input('x', [2]);
    const y = g.emit('Frobnicate' as Op, [x], {} as never, [[2]], ['float32']);
    assert.throws(() => lowerToOnnx(g, { y }), /cannot lower op "Frobnicate"/);
  });

  it('lowers with stable, readable value names', () => {
    const g = new Graph();
    const x = g.input('x', [2, 3]);
    const h = g.named(g.tanh(x), 'hidden');
    const model = lowerToOnnx(g, { out: g.neg(g.exp(h)) });
    const text = Buffer.from(model.bytes).toString('latin1');
    for (const name of ['hidden', 'exp_1', 'out']) assert.ok(text.includes(name), name);
    assert.ok(!text.includes('neg_2'), 'the output value is named after the output');
    assert.deepEqual(model.inputs.map((i) => i.name), ['x']);
    assert.deepEqual(lowerToOnnx(g, { out: g.exp(h) }).bytes.length > 0, true);
  });
});
