// One gradient rule per primitive op. A rule returns one entry per input: a gradient (which may
// still need summing over broadcast axes: the walker does that), or null for "no gradient"
// (an index or condition input). A rule that cannot differentiate an input calls unsupported().
import { nf4Weight } from '../graph/composite.js';
import type { Graph } from '../graph/graph.js';
import type { Op, OpAttrs } from '../graph/ops.js';
import type { Node, Tensor } from '../graph/tensor.js';

export interface GradContext<O extends Op = Op> {
  g: Graph;
  node: Node<O>;
  attrs: OpAttrs[O];
  /** The node's inputs. */
  x: readonly Tensor[];
  /** The node's first output. */
  y: Tensor;
  /** Gradient of the loss with respect to the first output. */
  gy: Tensor;
  /** Gradients with respect to every output (null where nothing flowed back). */
  gys: readonly (Tensor | null)[];
}

export type GradRule<O extends Op = Op> = (ctx: GradContext<O>) => (Tensor | null)[];

/** Thrown when a gradient is needed that Tuna cannot compute; names the op. */
export class GradError extends Error {
  override name = 'GradError';
}

export function unsupported(ctx: GradContext, why: string): never {
  throw new GradError(`no gradient for ${ctx.node.op}#${ctx.node.id}: ${why}`);
}

const zeros = (g: Graph, like: Tensor): Tensor => g.expand(g.scalar(0, like.dtype), like.shape);
const one = (g: Graph, like: Tensor): Tensor => g.scalar(1, like.dtype);
const none: GradRule = ({ x }) => x.map(() => null);

/**
 * The transpose of a 2-D tensor as a copy. onnxruntime folds a plain 2-D Transpose into the
 * MatMul after it as a transposed operand, and that product runs at about 0.65x of a plain one
 * (a (1536, 1024) x (1024, 576) weight gradient: 24 ms against 15 ms with the copy, measured);
 * going through a 3-D view keeps the copy.
 */
function transposedCopy(g: Graph, t: Tensor): Tensor {
  const [rows, cols] = t.shape as [number, number];
  return g.reshape(g.transpose(g.reshape(t, [1, rows, cols]), [0, 2, 1]), [cols, rows]);
}

/** Gradient of a reduction, spread back over the reduced axes. */
function spread(ctx: GradContext<'ReduceSum' | 'ReduceMean' | 'ReduceMax'>): Tensor {
  const { g, x, gy, attrs } = ctx;
  const keptShape = x[0]!.shape.map((d, i) => (attrs.axes.includes(i) ? 1 : d));
  return g.expand(g.reshape(gy, keptShape), x[0]!.shape);
}

/** Gather along `axis` as a scatter-add into zeros along axis 0, then moved back. */
function gatherGrad({ g, x, gy, attrs }: GradContext<'Gather'>): (Tensor | null)[] {
  const [data, indices] = x as [Tensor, Tensor];
  const a = attrs.axis;
  const r = indices.rank;
  const rest = [...data.shape.slice(0, a), ...data.shape.slice(a + 1)];
  const toFront = [...Array(r).keys()].map((i) => a + i);
  const others = [...Array(gy.rank).keys()].filter((i) => i < a || i >= a + r);
  const updates = g.transpose(gy, [...toFront, ...others]); // (...I, ...rest)
  const dim = g.scalar(data.shape[a]!, 'int64');
  let idx = g.cast(indices, 'int64');
  idx = g.where(g.less(idx, g.scalar(0, 'int64')), g.add(idx, dim), idx);
  const base = g.expand(g.scalar(0, data.dtype), [data.shape[a]!, ...rest]);
  const scattered = g.scatterNDAdd(base, g.unsqueeze(idx, [r]), updates); // (D[a], ...rest)
  const back = [...Array(data.rank).keys()].map((i) => (i < a ? i + 1 : i === a ? 0 : i));
  return [g.transpose(scattered, back), null];
}

export const gradRules = {
  Constant: () => [],
  Add: ({ gy }) => [gy, gy],
  Sub: ({ g, gy }) => [gy, g.neg(gy)],
  Mul: ({ g, x, gy }) => [g.mul(gy, x[1]!), g.mul(gy, x[0]!)],
  Div: ({ g, x, y, gy }) => [g.div(gy, x[1]!), g.neg(g.div(g.mul(gy, y), x[1]!))],
  Pow: ({ g, x, y, gy }) => [
    g.mul(gy, g.mul(x[1]!, g.pow(x[0]!, g.sub(x[1]!, one(g, y))))),
    g.mul(gy, g.mul(g.log(x[0]!), y)),
  ],
  Max: ({ g, x, gy }) => {
    const takeA = g.greaterOrEqual(x[0]!, x[1]!);
    return [g.where(takeA, gy, g.scalar(0, gy.dtype)), g.where(takeA, g.scalar(0, gy.dtype), gy)];
  },
  Min: ({ g, x, gy }) => {
    const takeA = g.lessOrEqual(x[0]!, x[1]!);
    return [g.where(takeA, gy, g.scalar(0, gy.dtype)), g.where(takeA, g.scalar(0, gy.dtype), gy)];
  },
  Neg: ({ g, gy }) => [g.neg(gy)],
  Exp: ({ g, y, gy }) => [g.mul(gy, y)],
  Log: ({ g, x, gy }) => [g.div(gy, x[0]!)],
  Sqrt: ({ g, y, gy }) => [g.div(g.mul(gy, g.scalar(0.5, y.dtype)), y)],
  Reciprocal: ({ g, y, gy }) => [g.neg(g.mul(gy, g.mul(y, y)))],
  Tanh: ({ g, y, gy }) => [g.mul(gy, g.sub(one(g, y), g.mul(y, y)))],
  Erf: ({ g, x, gy }) => {
    const x0 = x[0]!;
    const slope = g.mul(g.scalar(2 / Math.sqrt(Math.PI), x0.dtype), g.exp(g.neg(g.mul(x0, x0))));
    return [g.mul(gy, slope)];
  },
  // gy y (1 - y) as t - t y with t = gy y: nothing of y alone is computed ahead of the backward pass.
  Sigmoid: ({ g, y, gy }) => {
    const t = g.mul(gy, y);
    return [g.sub(t, g.mul(t, y))];
  },
  // d(x s)/dx = s + x s (1 - s) = s + y - y s with s = sigmoid(x), asked for again (onnxruntime's
  // common-subexpression pass reuses the forward one): four passes where differentiating
  // x * sigmoid(x) took six, and x is no longer kept: one (B, T, F) tensor fewer per SwiGLU layer (peak RSS of a
  // 30-layer int8 LoRA step at 4 x 256: 2394 -> 2233 MB; time within noise).
  Silu: ({ g, x, y, gy }) => {
    const s = g.sigmoid(x[0]!);
    return [g.mul(gy, g.sub(g.add(s, y), g.mul(y, s)))];
  },
  Equal: none, Less: none, Greater: none, LessOrEqual: none, GreaterOrEqual: none, Not: none, And: none, BitShift: none,
  Where: ({ g, x, gy }) => {
    const zero = g.scalar(0, gy.dtype);
    return [null, g.where(x[0]!, gy, zero), g.where(x[0]!, zero, gy)];
  },
  MatMul: ({ g, x, gy }) => {
    const [a, b] = x as [Tensor, Tensor];
    // A weight shared across a batch: one 2-D product over all rows, not a batch of them summed.
    if (b.rank === 2 && a.rank > 2) {
      const k = a.shape[a.rank - 1]!;
      const n = b.shape[1]!;
      const rows = g.reshape(a, [-1, k]);
      const gyRows = g.reshape(gy, [-1, n]);
      // The smaller of the two operands is the one copied transposed.
      const gb = k <= n ? g.matMul(transposedCopy(g, rows), gyRows) : g.transposeLast(g.matMul(transposedCopy(g, gyRows), rows));
      return [g.matMul(gy, g.transposeLast(b)), gb];
    }
    return [g.matMul(gy, g.transposeLast(b)), g.matMul(g.transposeLast(a), gy)];
  },
  Reshape: ({ g, x, gy }) => [g.reshape(gy, x[0]!.shape)],
  Squeeze: ({ g, x, gy }) => [g.reshape(gy, x[0]!.shape)],
  Unsqueeze: ({ g, x, gy }) => [g.reshape(gy, x[0]!.shape)],
  Expand: ({ gy }) => [gy],
  Transpose: ({ g, gy, attrs }) => {
    const inverse = new Array<number>(attrs.perm.length);
    attrs.perm.forEach((p, i) => (inverse[p] = i));
    return [g.transpose(gy, inverse)];
  },
  Slice: ({ g, x, gy, attrs }) => {
    const shape = x[0]!.shape;
    const pads = new Array<number>(2 * shape.length).fill(0);
    attrs.axes.forEach((a, i) => {
      pads[a] = attrs.starts[i]!;
      pads[a + shape.length] = shape[a]! - attrs.ends[i]!;
    });
    return [g.pad(gy, pads)];
  },
  Pad: ({ g, x, gy, attrs }) => {
    const shape = x[0]!.shape;
    const starts = shape.map((_, i) => attrs.pads[i]!);
    return [g.slice(gy, starts, starts.map((s, i) => s + shape[i]!))];
  },
  Concat: ({ g, x, gy, attrs }) => g.split(gy, attrs.axis, x.map((t) => t.shape[attrs.axis]!)),
  Split: ({ g, node, gys, attrs }) => [g.concat(node.outputs.map((o, i) => gys[i] ?? zeros(g, o)), attrs.axis)],
  Gather: gatherGrad,
  GatherND: ({ g, x, gy }) => [g.scatterNDAdd(zeros(g, x[0]!), x[1]!, gy), null],
  ScatterNDAdd: ({ g, x, gy }) => [gy, null, g.gatherND(gy, x[1]!)],
  Cast: (ctx) => {
    const from = ctx.x[0]!.dtype;
    if (from !== 'float32' && from !== 'float64') return [null];
    return [ctx.g.cast(ctx.gy, from)];
  },
  ReduceSum: (ctx) => [spread(ctx)],
  ReduceMean: (ctx) => {
    const count = ctx.attrs.axes.reduce((n, a) => n * ctx.x[0]!.shape[a]!, 1);
    return [ctx.g.div(spread(ctx), ctx.g.scalar(count, ctx.gy.dtype))];
  },
  ReduceMax: (ctx) => {
    const { g, x, y, attrs } = ctx;
    const keptShape = x[0]!.shape.map((d, i) => (attrs.axes.includes(i) ? 1 : d));
    const mask = g.cast(g.equal(x[0]!, g.reshape(y, keptShape)), y.dtype);
    const share = g.div(mask, g.reduceSum(mask, attrs.axes, true)); // ties share the gradient
    return [g.mul(spread(ctx), share)];
  },
  Trilu: ({ g, gy, attrs }) => [g.trilu(gy, attrs.upper, attrs.k)],
  // With r = 1 / sqrt(mean(x²) + eps), x̂ = x r and g = gy * weight: dx = r (g - x̂ mean(g x̂)) and
  // dweight = gy x̂ (summed over the leading axes by the walker). r is the op's second output.
  RmsNorm: (ctx) => {
    const { g, x, gy, gys, node } = ctx;
    if (gys[1]) unsupported(ctx, 'the per-row 1 / sqrt(mean(x²) + eps) output is not differentiable');
    const [input, weight] = x as [Tensor, Tensor];
    const r = node.outputs[1]!.dtype === input.dtype ? node.outputs[1]! : g.cast(node.outputs[1]!, input.dtype);
    const normed = g.mul(input, r);
    const scaled = g.mul(gy, weight);
    const dx = g.mul(r, g.sub(scaled, g.mul(normed, g.reduceMean(g.mul(scaled, normed), [-1], true))));
    return [dx, g.mul(gy, normed)];
  },
  // The rotation is orthogonal: its transpose turns by the opposite angle, so dx is gy rotated with
  // the sines negated. The tables are inputs, not differentiated.
  Rotary: ({ g, x, gy }) => [g.rotary(gy, x[1]!, g.neg(x[2]!)), null, null],
  // dx = y * (gy - sum(gy * y)) along the axis: only the output is needed.
  Softmax: ({ g, y, gy, attrs }) => [g.mul(y, g.sub(gy, g.reduceSum(g.mul(gy, y), [attrs.axis], true)))],
  // d(sum of -logp[i, t_i])/dlogits = (softmax - onehot) on counted rows; the log-probabilities output
  // only feeds this rule (its own gradient is not supported).
  SoftmaxCrossEntropy: (ctx) => {
    const { g, x, node, gys, attrs } = ctx;
    if (gys[1]) unsupported(ctx, 'the log-probabilities output is not differentiable; use logSoftmax instead');
    const [logits, targets] = x as [Tensor, Tensor];
    const [n, v] = logits.shape as [number, number];
    const gy = gys[0]!;
    const valid = g.not(g.equal(targets, g.scalar(attrs.ignoreIndex, 'int64'))); // (N)
    const weight = g.mul(g.cast(valid, logits.dtype), gy); // (N): gy on counted rows, 0 elsewhere
    const probs = g.mul(g.exp(node.outputs[1]!), g.unsqueeze(weight, [1])); // (N, V)
    const flat = g.add(g.mul(g.arange(n), g.scalar(v, 'int64')), g.where(valid, targets, g.scalar(0, 'int64')));
    const grad = g.scatterNDAdd(g.reshape(probs, [n * v]), g.unsqueeze(flat, [1]), g.neg(weight));
    return [g.reshape(grad, [n, v]), null];
  },
  // dx = gy W with W dequantized again in the backward pass (never kept from the forward pass);
  // d absmax[b] = sum over block b of dW * code value.
  Nf4MatMul: ({ g, x, gy, attrs }) => {
    const [input, packed, absmax] = x as [Tensor, Tensor, Tensor];
    const { n, k, blocksize } = attrs;
    const dx = g.matMul(gy, nf4Weight(g, packed, absmax, n, k, blocksize, gy));
    const dw = g.matMul(g.transposeLast(g.reshape(gy, [-1, n])), g.reshape(input, [-1, k])); // (n, k)
    const blocks = absmax.shape[0]!;
    const unitScales = g.expand(g.scalar(1), [blocks]);
    const codes = nf4Weight(g, packed, unitScales, n, k, blocksize, gy);
    const flat = g.reshape(g.mul(dw, codes), [n * k]);
    const padded = blocks * blocksize === n * k ? flat : g.pad(flat, [0, blocks * blocksize - n * k]);
    return [dx, null, g.reduceSum(g.reshape(padded, [blocks, blocksize]), [1])];
  },
  // The codes have no gradient; the input's is the same kind of product with b the other way round
  // (the column scales folded into gy first), the scales' that of y = z * scales.
  // With the exact weight, a's gradient is gy times that weight and nothing else has one (a frozen head).
  Int8MatMul: ({ g, x, gy, attrs }) => {
    const [a, b, scales, exact] = x as [Tensor, Tensor, Tensor | undefined, Tensor | undefined];
    if (exact) return [exact.dtype === 'float16' ? g.halfMatMul(gy, exact, false, attrs.blockRows!) : g.matMul(gy, exact), null, null, null];
    const da = g.int8MatMul(scales ? g.mul(gy, scales) : gy, b, !attrs.transposeB);
    return scales ? [da, null, g.mul(gy, g.int8MatMul(a, b, attrs.transposeB))] : [da, null];
  },
  // The 16-bit matrix is frozen; the input's gradient is the same blockwise product the other way round.
  HalfMatMul: ({ g, x, gy, attrs }) => [g.halfMatMul(gy, x[1]!, !attrs.transposeB, attrs.blockRows), null],
} satisfies { [O in Op]: GradRule<O> };

export type GradRuleTable = { [O in Op]: GradRule<O> };
