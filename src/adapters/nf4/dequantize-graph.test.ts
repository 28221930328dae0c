import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Graph } from '../../graph/graph.js';
import { Runtime } from '../../runtime/runtime.js';
import { mulberry32 } from '../../testing/random.js';
import { dequantizeNf4 } from './dequantize-nf4.js';
import { dequantizeNf4Graph, nf4Feeds, nf4GraphInputs, nf4Layout, nf4Linear } from './dequantize-graph.js';
import { quantizeNf4 } from './quantize-nf4.js';

describe('NF4 weights in a graph', () => {
  const rt = new Runtime();
  after(() => rt.close());
  const cases: [string, number[], number, boolean][] = [
    ['64-blocks, double quant', [48, 96], 64, true],
    ['odd size, partial last block, double quant over several nested blocks', [257, 131], 64, true],
    ['plain absmax, blocksize 128', [33, 17], 128, false],
    ['blocksize 1024 (runs of kernel blocks), partial last block, double quant', [40, 70], 1024, true],
  ];
  for (const [name, shape, blocksize, doubleQuant] of cases) {
    it(`equals the host dequantization exactly: ${name}`, async () => {
      const rand = mulberry32(shape[0]!);
      const w = Float32Array.from({ length: shape[0]! * shape[1]! }, () => (rand() - 0.5) * (rand() < 0.01 ? 40 : 1));
      const q = quantizeNf4(w, shape, { blocksize, doubleQuant });
      const g = new Graph();
      const layout = nf4Layout(q);
      const x = g.input('x', [2]);
      const y = dequantizeNf4Graph(g, nf4GraphInputs(g, 'w', layout), layout, x);
      const exe = await rt.compile(g, { y });
      const out = await exe.run({ ...nf4Feeds('w', q), x: new Float32Array([3, 4]) });
      assert.deepEqual(out.y!.shape, shape);
      assert.deepEqual(Array.from(out.y!.data as Float32Array), Array.from(dequantizeNf4(q)));
    });

    it(`multiplies like the dequantized weight: ${name}`, async () => {
      const [n, k] = shape as [number, number];
      const rand = mulberry32(n + k);
      const w = Float32Array.from({ length: n * k }, () => rand() - 0.5);
      const q = quantizeNf4(w, shape, { blocksize, doubleQuant });
      const layout = nf4Layout(q);
      const g = new Graph();
      const x = g.input('x', [2, 3, k]);
      const viaCodes = nf4Linear(g, x, nf4GraphInputs(g, 'w', layout), layout);
      const plain = g.matMul(x, g.transposeLast(g.input('dense', [n, k])));
      const exe = await rt.compile(g, { viaCodes, plain });
      const xs = Float32Array.from({ length: 6 * k }, () => rand() * 2 - 1);
      const out = await exe.run({ ...nf4Feeds('w', q), x: xs, dense: dequantizeNf4(q) });
      const a = out.viaCodes!.data as Float32Array;
      const b = out.plain!.data as Float32Array;
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * (1 + Math.abs(b[i]!)), `element ${i}: ${a[i]} vs ${b[i]}`);
    });
  }
});
