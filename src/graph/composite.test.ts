// Composite ops: values against direct float64 formulas, gradients against finite differences.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Runtime } from '../runtime/runtime.js';
import { checkGradients } from '../testing/grad-check.js';
import { hashSeed } from '../testing/random.js';
import { causalMask, crossEntropy, gelu, layerNorm, logSoftmax, rmsNorm, silu, softmax } from './composite.js';
import { fromNumbers } from './dtype.js';
import { Graph } from './graph.js';
import type { Tensor } from './tensor.js';

const rows = [
  [0.5, -1, 2, 0.25],
  [3, 3, -2, 1],
];

async function evaluate(rt: Runtime, build: (g: Graph, x: Tensor) => Tensor): Promise<number[]> {
  const g = new Graph();
  const x = g.input('x', [2, 4], 'float64');
  const exe = await rt.compile(g, { y: build(g, x) });
  const out = await exe.run({ x: new Float64Array(rows.flat()) });
  return Array.from(out.y!.data as Float64Array);
}

function assertClose(actual: number[], expected: number[], tol = 1e-12): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= tol, `element ${i}: ${v} vs ${expected[i]}`));
}

const softmaxRow = (r: number[]) => {
  const m = Math.max(...r);
  const e = r.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('composite ops', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('softmax and logSoftmax', async () => {
    assertClose(await evaluate(rt, (g, x) => softmax(g, x)), rows.flatMap(softmaxRow));
    assertClose(await evaluate(rt, (g, x) => logSoftmax(g, x)), rows.flatMap(softmaxRow).map(Math.log));
  });

  it('silu and gelu', async () => {
    const flat = rows.flat();
    assertClose(await evaluate(rt, silu), flat.map((v) => v / (1 + Math.exp(-v))));
    const tanhGelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    assertClose(await evaluate(rt, (g, x) => gelu(g, x, 'tanh')), flat.map(tanhGelu));
  });

  it('rmsNorm and layerNorm over the last axis', async () => {
    const w = [1, 2, 0.5, -1];
    const rms = rows.flatMap((r) => {
      const s = 1 / Math.sqrt(r.reduce((a, v) => a + v * v, 0) / r.length + 1e-6);
      return r.map((v, i) => v * s * w[i]!);
    });
    assertClose(
      await evaluate(rt, (g, x) => rmsNorm(g, x, g.constant(new Float64Array(w), [4], 'float64'), 1e-6)),
      rms,
    );
    const ln = rows.flatMap((r) => {
      const mean = r.reduce((a, v) => a + v, 0) / r.length;
      const variance = r.reduce((a, v) => a + (v - mean) ** 2, 0) / r.length;
      return r.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * w[i]! + 0.5);
    });
    assertClose(
      await evaluate(rt, (g, x) =>
        layerNorm(g, x, g.constant(new Float64Array(w), [4], 'float64'), g.full([4], 0.5, 'float64'), 1e-5),
      ),
      ln,
    );
  });

  it('crossEntropy averages over targets that are not ignored', async () => {
    const targets = [2, -100];
    const loss = await evaluate(rt, (g, x) => crossEntropy(g, x, g.constant(fromNumbers('int64', targets), [2], 'int64')).loss);
    assertClose(loss, [-Math.log(softmaxRow(rows[0]!)[2]!)]);
    const both = await evaluate(rt, (g, x) => crossEntropy(g, x, g.constant(fromNumbers('int64', [2, 0]), [2], 'int64')).loss);
    assertClose(both, [-(Math.log(softmaxRow(rows[0]!)[2]!) + Math.log(softmaxRow(rows[1]!)[0]!)) / 2]);
    const none = await evaluate(rt, (g, x) => crossEntropy(g, x, g.full([2], -100, 'int64')).loss);
    assertClose(none, [0]);
  });

  it('causalMask hides the future', async () => {
    const g = new Graph();
    const exe = await rt.compile(g, { m: causalMask(g, 3) });
    const m = Array.from((await exe.run({})).m!.data as Float32Array);
    assert.deepEqual(m.map((v) => (v === 0 ? 0 : 1)), [0, 1, 1, 0, 0, 1, 0, 0, 0]);
  });

  const gradCases: [string, (g: Graph, xs: Tensor[]) => Tensor][] = [
    ['softmax', (g, [x]) => softmax(g, x!)],
    ['logSoftmax', (g, [x]) => logSoftmax(g, x!, 0)],
    ['silu', (g, [x]) => silu(g, x!)],
    ['gelu exact', (g, [x]) => gelu(g, g.cast(x!, 'float32'))],
    ['gelu tanh', (g, [x]) => gelu(g, x!, 'tanh')],
    ['rmsNorm', (g, [x, w]) => rmsNorm(g, x!, w!, 1e-6)],
    ['layerNorm', (g, [x, w]) => layerNorm(g, x!, w!, g.reshape(w!, [4]), 1e-5)],
    ['crossEntropy', (g, [x]) => crossEntropy(g, x!, g.constant(fromNumbers('int64', [1, -100, 3]), [3], 'int64')).loss],
  ];
  for (const [name, build] of gradCases) {
    const seed = hashSeed(name);
    it(`${name} gradient matches finite differences (seed ${seed})`, async () => {
      const float32 = name === 'gelu exact';
      await checkGradients(rt, {
        shapes: name.endsWith('Norm') ? [[3, 4], [4]] : [[3, 4]],
        dtype: 'float64',
        seed,
        build: float32 ? (g, xs) => g.cast(build(g, xs), 'float64') : build,
        ...(float32 ? { step: 1e-2, tolerance: 2e-3 } : {}),
      });
    });
  }
});
