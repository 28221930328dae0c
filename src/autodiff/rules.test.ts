// Finite-difference checks for every primitive op's gradient rule, over a fixed matrix of
// broadcast shapes. Each case has its own seed, printed when it fails.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fromNumbers, type FloatDType } from '../graph/dtype.js';
import type { Graph } from '../graph/graph.js';
import type { Op } from '../graph/ops.js';
import type { Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { float32ToHalf, halfToFloat32 } from '../io/half-float.js';
import { Runtime } from '../runtime/runtime.js';
import { checkGradients } from '../testing/grad-check.js';
import { hashSeed } from '../testing/random.js';
import { gradRules } from './rules.js';

interface OpSpec {
  /** Each entry is one case: the shapes of the differentiable inputs. */
  shapes: Shape[][];
  build: (g: Graph, xs: Tensor[]) => Tensor;
  domain?: [number, number];
  /** float64 unless onnxruntime's CPU kernel only exists for float32. */
  dtype?: FloatDType;
  /** The exact graph an op that rounds approximates: finite differences are taken of it instead. */
  reference?: (g: Graph, xs: Tensor[]) => Tensor;
  relativeTo?: 'largest';
  tolerance?: number;
  step?: number;
}

const BROADCAST: Shape[][] = [
  [[3, 4], [3, 4]],
  [[3, 4], [4]],
  [[2, 1, 4], [3, 1]],
  [[], [2, 3]],
  [[2, 3], [1, 1]],
];
const UNARY: Shape[][] = [[[3, 4]], [[2, 1, 3]], [[]]];
const POSITIVE: [number, number] = [0.5, 2];

const binary = (f: (g: Graph, a: Tensor, b: Tensor) => Tensor, domain?: [number, number]): OpSpec => ({
  shapes: BROADCAST, build: (g, [a, b]) => f(g, a!, b!), ...(domain ? { domain } : {}),
});
const unary = (f: (g: Graph, a: Tensor) => Tensor, domain?: [number, number]): OpSpec => ({
  shapes: UNARY, build: (g, [a]) => f(g, a!), ...(domain ? { domain } : {}),
});
/** A comparison has no gradient itself; it is checked as the condition that routes gradients. */
const comparison = (f: (g: Graph, a: Tensor, b: Tensor) => Tensor): OpSpec => ({
  shapes: BROADCAST,
  build: (g, [a, b]) => g.where(f(g, a!, b!), g.mul(a!, g.scalar(2, a!.dtype)), g.mul(b!, b!)),
});
const int64 = (g: Graph, values: number[], shape: Shape) => g.constant(fromNumbers('int64', values), shape, 'int64');

const HALF_BITS = float32ToHalf(Float32Array.from({ length: 35 }, (_, i) => ((i * 37) % 23) / 11 - 1));

/** An (8, 5) int8 matrix over the whole code range, given as is or as its (5, 8) transpose. */
const INT8_CODES = Array.from({ length: 40 }, (_, i) => ((i * 89 + 17) % 255) - 127);
function int8Codes(g: Graph, asIs: boolean): Tensor {
  const values = asIs ? INT8_CODES : Array.from({ length: 40 }, (_, i) => INT8_CODES[(i % 8) * 5 + Math.floor(i / 8)]!);
  return g.constant(Int8Array.from(values), asIs ? [8, 5] : [5, 8], 'int8');
}

/** Column scales of the (8, 5) codes, and the (5, 8) float weight they and the codes stand for. */
const EXACT_SCALES = Float32Array.from({ length: 5 }, (_, n) => 0.01 * (n + 1));
const EXACT_WEIGHT = Float32Array.from({ length: 40 }, (_, i) => INT8_CODES[(i % 8) * 5 + Math.floor(i / 8)]! * EXACT_SCALES[Math.floor(i / 8)]!);
const EXACT_HALF = float32ToHalf(EXACT_WEIGHT);

const specs: Record<Op, OpSpec> = {
  Constant: unary((g, a) => g.mul(g.mul(a, a), g.constant(fromNumbers(a.dtype, [2.5]), [], a.dtype))),
  Add: binary((g, a, b) => g.add(a, b)),
  Sub: binary((g, a, b) => g.sub(a, b)),
  Mul: binary((g, a, b) => g.mul(a, b)),
  Div: binary((g, a, b) => g.div(a, b), POSITIVE),
  Pow: binary((g, a, b) => g.pow(a, b), POSITIVE),
  Max: binary((g, a, b) => g.max(a, b)),
  Min: binary((g, a, b) => g.min(a, b)),
  Neg: unary((g, a) => g.neg(a)),
  Exp: unary((g, a) => g.exp(a)),
  Log: unary((g, a) => g.log(a), POSITIVE),
  Sqrt: unary((g, a) => g.sqrt(a), POSITIVE),
  Reciprocal: unary((g, a) => g.reciprocal(a), POSITIVE),
  Tanh: unary((g, a) => g.tanh(a)),
  Erf: { ...unary((g, a) => g.erf(a)), dtype: 'float32' },
  Sigmoid: unary((g, a) => g.sigmoid(a)),
  Silu: unary((g, a) => g.silu(a)),
  Equal: comparison((g, a, b) => g.equal(g.cast(g.greater(a, g.scalar(0, a.dtype)), 'int64'), g.cast(g.greater(b, g.scalar(0, b.dtype)), 'int64'))),
  Less: comparison((g, a, b) => g.less(a, b)),
  Greater: comparison((g, a, b) => g.greater(a, b)),
  LessOrEqual: comparison((g, a, b) => g.lessOrEqual(a, b)),
  GreaterOrEqual: comparison((g, a, b) => g.greaterOrEqual(a, b)),
  Not: comparison((g, a, b) => g.not(g.less(a, b))),
  And: comparison((g, a, b) => g.and(g.less(a, b), g.greater(a, g.scalar(-0.5, a.dtype)))),
  // Bits of two bytes unpacked into a 0/1 mask that routes the gradient.
  BitShift: {
    shapes: [[[2, 8]], [[8]]],
    build: (g, [a]) => {
      const bytes = g.constant(Uint8Array.from([0b10110010, 0b01001101]), [2, 1], 'uint8');
      const up = g.bitShift(bytes, g.constant(Uint8Array.from([7, 6, 5, 4, 3, 2, 1, 0]), [8], 'uint8'), 'left');
      const bits = g.bitShift(up, g.constant(Uint8Array.from([7]), [], 'uint8'), 'right');
      return g.mul(g.cast(bits, a!.dtype), g.mul(a!, a!));
    },
  },
  Where: {
    shapes: [[[3, 4], [3, 4]], [[3, 4], [4]], [[2, 1], [3]]],
    build: (g, [a, b]) => g.where(g.greater(g.add(a!, b!), g.scalar(0, a!.dtype)), a!, b!),
  },
  MatMul: {
    shapes: [[[3, 4], [4, 5]], [[2, 3, 4], [4, 2]], [[2, 1, 3, 4], [3, 4, 2]], [[1, 4], [2, 4, 3]]],
    build: (g, [a, b]) => g.matMul(a!, b!),
  },
  Reshape: { shapes: [[[2, 6]], [[3, 2, 2]]], build: (g, [a]) => g.reshape(a!, [4, -1]) },
  Transpose: { shapes: [[[2, 3, 4]]], build: (g, [a]) => g.transpose(a!, [2, 0, 1]) },
  Slice: {
    shapes: [[[4, 5]], [[3, 6, 2]]],
    build: (g, [a]) => g.slice(a!, [1, -4], [3, 100], [0, 1]),
  },
  Pad: { shapes: [[[2, 3]], [[1, 2, 2]]], build: (g, [a]) => g.pad(a!, a!.shape.flatMap((_, i) => [i, 1]).slice(0, 2 * a!.rank)) },
  Concat: { shapes: [[[2, 3], [4, 3]], [[1, 2], [1, 2]]], build: (g, [a, b]) => g.concat([a!, b!, a!], 0) },
  Split: {
    shapes: [[[5, 2]], [[3, 2, 4]]],
    // Only two of three parts are used: the walker fills the third with zeros.
    build: (g, [a]) => {
      const n = a!.shape[0]!;
      const [p, , r] = g.split(a!, 0, [1, n - 2, 1]);
      return g.sub(g.mul(p!, p!), r!);
    },
  },
  Unsqueeze: { shapes: [[[2, 3]]], build: (g, [a]) => g.unsqueeze(a!, [0, -1]) },
  Squeeze: { shapes: [[[1, 3, 1]]], build: (g, [a]) => g.squeeze(a!, [0, 2]) },
  Expand: { shapes: [[[3, 1]], [[4]], [[]]], build: (g, [a]) => g.expand(a!, [2, 3, 4].slice(3 - Math.max(2, a!.rank))) },
  Gather: {
    shapes: [[[5, 3]], [[4, 2, 3]]],
    // Repeated and negative indices: their gradients accumulate.
    build: (g, [a]) => g.gather(a!, int64(g, [0, 1, 1, -1], [2, 2]), a!.rank - 2),
  },
  GatherND: { shapes: [[[3, 4]], [[3, 4, 2]]], build: (g, [a]) => g.gatherND(a!, int64(g, [0, 1, 2, 3, 0, 1], [3, 2])) },
  ScatterNDAdd: {
    shapes: [[[4, 3], [3, 3]]],
    build: (g, [a, b]) => g.mul(g.scatterNDAdd(a!, int64(g, [1, 3, 1], [3, 1]), b!), a!),
  },
  Cast: {
    shapes: [[[3, 4]]],
    build: (g, [a]) => g.mul(g.cast(g.mul(g.cast(a!, 'float32'), g.scalar(3, 'float32')), a!.dtype), a!),
    step: 1e-2, // float32 rounding inside the graph: a larger step keeps it below the tolerance
    tolerance: 1e-4,
  },
  ReduceSum: { shapes: [[[3, 4]], [[2, 3, 4]]], build: (g, [a]) => g.reduceSum(a!, [0, -1], a!.rank === 3) },
  ReduceMean: { shapes: [[[3, 4]], [[2, 3, 4]]], build: (g, [a]) => g.reduceMean(a!, [-1], true) },
  ReduceMax: { shapes: [[[3, 4]], [[2, 3, 4]]], build: (g, [a]) => g.reduceMax(a!, [1]) },
  RmsNorm: { shapes: [[[3, 4], [4]], [[2, 3, 5], [5]]], build: (g, [a, w]) => g.rmsNorm(a!, w!, 1e-5) },
  // Every dim rotated for (2, 3, 4, 8); the first 4 of 6 for (1, 2, 3, 6) (partial rotary, the rest passes through).
  Rotary: {
    shapes: [[[2, 3, 4, 8]], [[1, 2, 3, 6]]],
    build: (g, [a]) => {
      const [b, , t, d] = a!.shape as number[];
      const half = d === 8 ? 4 : 2;
      const angles = Array.from({ length: b! * t! * half }, (_, i) => ((i * 53) % 29) / 4.5 - 3);
      const table = (f: (x: number) => number) => g.constant(fromNumbers(a!.dtype, angles.map(f)), [b! * t!, half], a!.dtype);
      return g.rotary(a!, table(Math.cos), table(Math.sin));
    },
    dtype: 'float32',
  },
  Softmax: { shapes: [[[3, 4]], [[2, 3, 5]]], build: (g, [a]) => g.softmax(a!, a!.rank === 3 ? 1 : -1) },
  SoftmaxCrossEntropy: {
    shapes: [[[3, 5]], [[4, 2]]],
    build: (g, [a]) => g.softmaxCrossEntropy(a!, int64(g, [1, -100, 4, 0].slice(0, a!.shape[0]).map((t) => (t >= a!.shape[1]! ? 1 : t)), [a!.shape[0]!]))[0],
  },
  // A (3, 8) weight in blocks of 16: the second block is partial. onnxruntime's kernel is float32 only.
  Nf4MatMul: {
    shapes: [[[2, 8], [2]], [[2, 3, 8], [2]]],
    build: (g, [a, absmax]) => g.nf4MatMul(a!, g.constant(Uint8Array.from({ length: 12 }, (_, i) => (i * 73 + 5) & 255), [12], 'uint8'), absmax!, 3, 8, 16),
    dtype: 'float32',
  },
  // Rows are rounded to int8: the analytic gradient (itself an int8 product) is compared with the
  // exact float product's, within 1% of the largest gradient (one rounding step is 1/254 of a row's largest value).
  // Inputs of 4 rows carry the exact weight (float32 for (4, 8), float16 in blocks of 2 rows for (2, 4, 8)):
  // their gradient is that weight's product, the reference's own.
  Int8MatMul: {
    shapes: [[[3, 8]], [[2, 3, 8]], [[3, 8], [5]], [[4, 8]], [[2, 4, 8]]],
    build: (g, [a, scales]) => {
      if (a!.shape.at(-2) !== 4) return g.int8MatMul(a!, int8Codes(g, a!.rank === 2), a!.rank !== 2, scales);
      const weight = a!.rank === 2 ? g.constant(EXACT_WEIGHT, [5, 8], 'float32') : g.constant(EXACT_HALF, [5, 8], 'float16');
      return g.int8MatMul(a!, int8Codes(g, true), false, g.constant(EXACT_SCALES, [5], 'float32'), { weight, blockRows: 2 });
    },
    reference: (g, [a, scales]) => {
      if (a!.shape.at(-2) === 4) {
        return g.matMul(a!, g.transposeLast(g.constant(a!.rank === 2 ? EXACT_WEIGHT : halfToFloat32(EXACT_HALF), [5, 8], 'float32')));
      }
      const y = g.matMul(a!, g.constant(Float32Array.from(INT8_CODES), [8, 5], 'float32'));
      return scales ? g.mul(y, scales) : y;
    },
    dtype: 'float32',
    relativeTo: 'largest',
    tolerance: 1e-2,
  },
  // A (7, 5) float16 matrix in blocks of 3 rows (two full blocks and one of 1), used both ways.
  HalfMatMul: {
    shapes: [[[3, 5]], [[2, 3, 5]], [[3, 7]]],
    build: (g, [a]) => g.halfMatMul(a!, g.constant(HALF_BITS, [7, 5], 'float16'), a!.shape.at(-1) === 5, 3),
    reference: (g, [a]) => {
      const w = g.constant(halfToFloat32(HALF_BITS), [7, 5], 'float32');
      return g.matMul(a!, a!.shape.at(-1) === 5 ? g.transposeLast(w) : w);
    },
    dtype: 'float32',
  },
  Trilu: { shapes: [[[4, 4]], [[2, 3, 5]]], build: (g, [a]) => g.add(g.trilu(a!, false, 0), g.trilu(g.mul(a!, a!), true, 2)) },
};

describe('gradient rules', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('every primitive op has a finite-difference spec', () => {
    const missing = Object.keys(gradRules).filter((op) => !(op in specs));
    assert.deepEqual(missing, []);
  });

  for (const [op, spec] of Object.entries(specs)) {
    spec.shapes.forEach((shapes, k) => {
      const seed = hashSeed(`${op}/${k}`);
      it(`${op} ${shapes.map((s) => `[${s.join(',')}]`).join(' ')} (seed ${seed})`, async () => {
        await checkGradients(rt, {
          shapes, seed, build: spec.build, dtype: spec.dtype ?? 'float64',
          ...(spec.domain ? { domain: spec.domain } : {}),
          ...(spec.tolerance ? { tolerance: spec.tolerance } : {}),
          ...(spec.step ? { step: spec.step } : {}),
          ...(spec.reference ? { reference: spec.reference, relativeTo: spec.relativeTo } : {}),
        });
      });
    });
  }
});
