import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { gradients } from '../../autodiff/grad.js';
import { Graph } from '../../graph/graph.js';
import { float32ToHalf, halfToFloat32 } from '../../io/half-float.js';
import { Runtime, type Feed } from '../../runtime/runtime.js';
import { mulberry32, uniform } from '../../testing/random.js';
import { int8Feeds, int8Linear } from './int8-linear.js';
import { dequantizeNf4 } from '../nf4/dequantize-nf4.js';
import { quantizeNf4 } from '../nf4/quantize-nf4.js';
import { dequantizeInt8, quantizeInt8, quantizeNf4Int8 } from './quantize-int8.js';

const IN = 24;
const OUT = 10;
/** An (OUT, IN) weight whose rows differ in scale, with one large outlier. */
function weight(seed: number): Float32Array {
  const rand = mulberry32(seed);
  const w = Float32Array.from(uniform(rand, OUT * IN), (v, i) => v * (1 + Math.floor(i / IN)) * 0.02);
  w[3 * IN + 7] = 0.9;
  return w;
}

/** x (m, IN) times the (OUT, IN) weight, in float64. */
function product(x: Float32Array, w: Float32Array, m: number): Float64Array {
  const y = new Float64Array(m * OUT);
  for (let r = 0; r < m; r++) for (let o = 0; o < OUT; o++) {
    let s = 0;
    for (let i = 0; i < IN; i++) s += x[r * IN + i]! * w[o * IN + i]!;
    y[r * OUT + o] = s;
  }
  return y;
}

describe('int8 frozen weights', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('gives an NF4 weight the codes and scales of its dequantized values, blocks straddling features or not', () => {
    // (out, in): 37 features of 40 inputs are 1480 values, so 64-value blocks straddle features; 19 x 33
    // has odd rows (a packed byte holds the end of one feature and the start of the next); 33 x 128 does not.
    for (const [out, inputs, blocksize, doubleQuant] of [[37, 40, 64, true], [19, 33, 32, false], [33, 128, 64, true], [3, 8, 64, true]] as const) {
      const rand = mulberry32(out);
      const w = Float32Array.from(uniform(rand, out * inputs), (v, i) => v * (1 + (Math.floor(i / inputs) % 5)) * 0.03);
      w.fill(0, 0, inputs); // an all-zero feature
      const nf4 = quantizeNf4(w, [out, inputs], { blocksize, doubleQuant });
      const want = quantizeInt8(dequantizeNf4(nf4), [out, inputs], 'linear');
      const got = quantizeNf4Int8(nf4, 'linear');
      assert.deepEqual([got.inFeatures, got.outFeatures], [inputs, out]);
      assert.deepEqual(got.scales, want.scales, `${out} x ${inputs} scales`);
      assert.deepEqual(got.codes, want.codes, `${out} x ${inputs} codes`);
    }
  });

  it('quantizes each output feature to within half a step of its own scale, in either checkpoint layout', () => {
    const w = weight(1);
    const t = quantizeInt8(w, [OUT, IN], 'linear');
    assert.equal(t.codes.length, IN * OUT);
    const back = dequantizeInt8(t, 'linear');
    for (let o = 0; o < OUT; o++) {
      const rowMax = Math.max(...w.subarray(o * IN, (o + 1) * IN).map(Math.abs));
      assert.ok(Math.abs(t.scales[o]! - rowMax / 127) < 1e-9, `scale ${o}`);
      for (let i = 0; i < IN; i++) assert.ok(Math.abs(back[o * IN + i]! - w[o * IN + i]!) <= t.scales[o]! / 2 + 1e-9);
      assert.equal(Math.max(...Array.from({ length: IN }, (_, i) => Math.abs(t.codes[i * OUT + o]!))), 127, `feature ${o} spans the code range`);
    }
    // GPT-2's Conv1D stores the same weight transposed: the same codes and scales.
    const transposed = Float32Array.from({ length: IN * OUT }, (_, p) => w[(p % OUT) * IN + Math.floor(p / OUT)]!);
    const c = quantizeInt8(transposed, [IN, OUT], 'conv1d');
    assert.deepEqual(c.codes, t.codes);
    assert.deepEqual(c.scales, t.scales);
    assert.deepEqual(dequantizeInt8(c, 'conv1d'), Float32Array.from(transposed, (_, p) => back[(p % OUT) * IN + Math.floor(p / OUT)]!));
  });

  it('rounds halves up, as Math.round: a row with max 127 holds its own values exactly, and k + 0.5 goes to k + 1', () => {
    // Row 0: max 127, so scale 1; its values are exact halves and integers. Row 1: a scaled copy.
    const row = Float32Array.from({ length: IN }, (_, i) => (i === 0 ? 127 : i % 2 ? -(i + 0.5) : i + 0.5));
    const w = new Float32Array([...row, ...row.map((v) => v / 64)]);
    for (const layout of ['linear', 'conv1d'] as const) {
      const given = layout === 'linear' ? w : Float32Array.from({ length: 2 * IN }, (_, p) => w[(p % 2) * IN + Math.floor(p / 2)]!);
      const t = quantizeInt8(given, layout === 'linear' ? [2, IN] : [IN, 2], layout);
      const expected = Array.from(row, (v) => Math.round(v));
      assert.deepEqual(Array.from({ length: IN }, (_, i) => t.codes[i * 2]!), expected, `${layout}: row 0`);
      assert.deepEqual(Array.from({ length: IN }, (_, i) => t.codes[i * 2 + 1]!), expected, `${layout}: row 1`);
    }
  });

  it('multiplies within the rounding of both operands, and an all-zero row stays zero', async () => {
    const w = weight(2);
    const t = quantizeInt8(w, [OUT, IN], 'linear');
    const [b, s] = [2, 3];
    const x = Float32Array.from(uniform(mulberry32(3), b * s * IN, -2, 2));
    x.fill(0, IN, 2 * IN); // row 1 carries nothing (a token with no gradient)
    const g = new Graph();
    const y = int8Linear(g, g.input('x', [b, s, IN]), 'w', IN, OUT);
    const exe = await rt.compile(g, { y });
    const got = (await exe.run({ x, ...int8Feeds('w', t) })).y!.data as Float32Array;
    const want = product(x, w, b * s);
    for (let r = 0; r < b * s; r++) {
      const xMax = Math.max(...x.subarray(r * IN, (r + 1) * IN).map(Math.abs));
      for (let o = 0; o < OUT; o++) {
        // Each term's error is below |x| half a weight step plus |w| half an input step.
        let bound = 0;
        for (let i = 0; i < IN; i++) bound += Math.abs(x[r * IN + i]!) * t.scales[o]! / 2 + Math.abs(w[o * IN + i]!) * xMax / 254;
        const err = Math.abs(got[r * OUT + o]! - want[r * OUT + o]!);
        assert.ok(err <= bound * 1.0001 + 1e-6, `row ${r} col ${o}: error ${err} above ${bound}`);
      }
    }
    assert.deepEqual([...got.subarray(OUT, 2 * OUT)], new Array(OUT).fill(0));
    assert.ok(got.every(Number.isFinite));
  });

  it('gives the same product with the codes transposed', async () => {
    const t = quantizeInt8(weight(4), [OUT, IN], 'linear');
    const codesT = Int8Array.from({ length: IN * OUT }, (_, p) => t.codes[(p % IN) * OUT + Math.floor(p / IN)]!);
    const g = new Graph();
    const x = g.input('x', [5, IN]);
    const plain = g.int8MatMul(x, g.input('codes', [IN, OUT], 'int8'));
    const transposed = g.int8MatMul(x, g.input('codes_t', [OUT, IN], 'int8'), true);
    const exe = await rt.compile(g, { plain, transposed });
    const out = await exe.run({
      x: Float32Array.from(uniform(mulberry32(5), 5 * IN)),
      codes: { data: t.codes, shape: [IN, OUT], dtype: 'int8' },
      codes_t: { data: codesT, shape: [OUT, IN], dtype: 'int8' },
    });
    assert.deepEqual(out.transposed!.data, out.plain!.data);
  });

  it("takes an output head's input gradient from its float weight: the softmax tail int8 would round away", async () => {
    // Gradient rows of a cross-entropy head: one large entry (probability minus one) and a tail of
    // small probabilities, each far below 1/254 of the row's largest.
    const m = 4;
    const w = weight(6);
    const t = quantizeInt8(w, [OUT, IN], 'linear');
    const gy = Float32Array.from({ length: m * OUT }, (_, i) => (i % OUT === (3 * Math.floor(i / OUT)) % OUT ? -0.95 : 0.0006 * (1 + (i % 3))));
    const want = new Float64Array(m * IN);
    for (let r = 0; r < m; r++) for (let i = 0; i < IN; i++) for (let o = 0; o < OUT; o++) want[r * IN + i] += gy[r * OUT + o]! * w[o * IN + i]!;
    const gradient = async (exact: 'float32' | 'float16' | null): Promise<Float32Array> => {
      const g = new Graph();
      const x = g.input('x', [m, IN]);
      const weightInput = exact ? g.input('w', [OUT, IN], exact) : undefined;
      const y = int8Linear(g, x, 'head', IN, OUT, weightInput ? { weight: weightInput, blockRows: 3 } : undefined);
      const [dx] = gradients(g, g.reduceSum(g.mul(y, g.constant(gy, [m, OUT], 'float32')), [0, 1]), [x]);
      const exe = await rt.compile(g, { dx: dx! });
      const feeds: Record<string, Feed> = { x: Float32Array.from(uniform(mulberry32(7), m * IN)), ...int8Feeds('head', t) };
      if (exact) feeds.w = exact === 'float16' ? { data: float32ToHalf(w), shape: [OUT, IN], dtype: 'float16' } : w;
      return (await exe.run(feeds)).dx!.data as Float32Array;
    };
    const worst = (got: Float32Array, ref: ArrayLike<number>) => Math.max(...Array.from(got, (v, i) => Math.abs(v - ref[i]!)));
    const largest = Math.max(...Array.from(want, Math.abs));
    assert.ok(worst(await gradient('float32'), want) < 1e-6 * largest, 'float32 weight: the exact product');
    const half = halfToFloat32(float32ToHalf(w));
    const wantHalf = Float64Array.from({ length: m * IN }, (_, p) => {
      let s = 0;
      for (let o = 0; o < OUT; o++) s += gy[Math.floor(p / IN) * OUT + o]! * half[o * IN + (p % IN)]!;
      return s;
    });
    assert.ok(worst(await gradient('float16'), wantHalf) < 1e-6 * largest, 'float16 weight: the product with its values');
    // The int8 product of the same rows drops the tail (nine entries here, tens of thousands in a vocabulary).
    const int8Error = worst(await gradient(null), want);
    assert.ok(int8Error > 2e-3 * largest, `int8 gradient error ${int8Error} of ${largest}`);
  });
});
