// Composite ops built from primitives: autodiff differentiates them through their parts,
// so none of them needs a gradient rule of its own.
import { GraphError, type Graph } from './graph.js';
import { formatShape } from './shape.js';
import type { Tensor } from './tensor.js';

function scalarLike(g: Graph, x: Tensor, value: number): Tensor {
  return g.scalar(value, x.dtype);
}

/**
 * exp(x - max) / sum(exp(x - max)) along an axis. A fused primitive: built from Max/Sub/Exp/Sum/Div
 * it kept four (B, H, T, T) tensors per attention layer alive for the backward pass and made five
 * passes over them; the fused form keeps the output alone (bench/train measures the difference).
 */
export function softmax(g: Graph, x: Tensor, axis = -1): Tensor {
  return g.softmax(x, axis);
}

/** x - max - log(sum(exp(x - max))) along an axis. */
export function logSoftmax(g: Graph, x: Tensor, axis = -1): Tensor {
  const shifted = g.sub(x, g.reduceMax(x, [axis], true));
  return g.sub(shifted, g.log(g.reduceSum(g.exp(shifted), [axis], true)));
}

/** x sigmoid(x), as one op (Graph.silu: fewer passes and one fewer kept tensor in the backward pass). */
export function silu(g: Graph, x: Tensor): Tensor {
  return g.silu(x);
}

/** GELU, exact (erf) or the tanh approximation that GPT-2 uses ("gelu_new"). */
export function gelu(g: Graph, x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  const half = g.mul(x, scalarLike(g, x, 0.5));
  if (approximate === 'none') {
    return g.mul(half, g.add(scalarLike(g, x, 1), g.erf(g.mul(x, scalarLike(g, x, Math.SQRT1_2)))));
  }
  const cube = g.mul(g.mul(x, x), x);
  const inner = g.mul(g.add(x, g.mul(cube, scalarLike(g, x, 0.044715))), scalarLike(g, x, Math.sqrt(2 / Math.PI)));
  return g.mul(half, g.add(scalarLike(g, x, 1), g.tanh(inner)));
}

/** RMSNorm over the last axis as in Llama: x / sqrt(mean(x^2) + eps) * weight (a fused primitive, see Graph.rmsNorm). */
export function rmsNorm(g: Graph, x: Tensor, weight: Tensor, eps: number): Tensor {
  return g.rmsNorm(x, weight, eps);
}

/** LayerNorm over the last axis with biased variance, as torch.nn.LayerNorm. */
export function layerNorm(g: Graph, x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  const centered = g.sub(x, g.reduceMean(x, [-1], true));
  const variance = g.reduceMean(g.mul(centered, centered), [-1], true);
  const normed = g.mul(centered, g.reciprocal(g.sqrt(g.add(variance, scalarLike(g, x, eps)))));
  return g.add(g.mul(normed, weight), bias);
}

export interface CrossEntropy {
  /** Mean negative log-likelihood over targets that are not ignored (0 when all are ignored). */
  loss: Tensor;
  /** Sum of the negative log-likelihoods (for normalising across micro-batches). */
  sum: Tensor;
  /** How many targets counted, as a float scalar. */
  count: Tensor;
}

/**
 * Cross-entropy of logits (N, V) against int64 targets (N); targets equal to ignoreIndex
 * (default -100) contribute nothing, and the mean is over the targets that remain. It uses the
 * fused SoftmaxCrossEntropy primitive: the composite form made about twelve passes over the
 * (N, V) logits in the backward pass, which dominated a training step at a 49k vocabulary.
 */
export function crossEntropy(g: Graph, logits: Tensor, targets: Tensor, ignoreIndex = -100): CrossEntropy {
  if (logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0] || targets.dtype !== 'int64') {
    throw new GraphError(
      `crossEntropy: needs logits (N, V) and int64 targets (N), got ${formatShape(logits.shape)} and ` +
        `${targets.dtype}${formatShape(targets.shape)}`,
    );
  }
  const [sum, logProbs] = g.softmaxCrossEntropy(logits, targets, ignoreIndex);
  void logProbs;
  const count = g.reduceSum(g.cast(g.not(g.equal(targets, g.scalar(ignoreIndex, 'int64'))), logits.dtype), [0]);
  const loss = g.div(sum, g.max(count, scalarLike(g, count, 1)));
  return { loss, sum, count };
}

/** A (T, T) additive causal mask: 0 on and below the diagonal, a large negative number above. */
export function causalMask(g: Graph, length: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  const ones = g.full([length, length], -1e9, dtype);
  return g.trilu(ones, true, 1);
}

/**
 * A value of 1 (shape [1, 1]) computed from `after` through an integer cast: an ordering
 * dependency with no gradient. Whatever it feeds runs only once `after` exists, and the runtime
 * can neither compute it ahead of time nor merge it with an earlier copy.
 */
export function onceAvailable(g: Graph, after: Tensor): Tensor {
  const first = g.reshape(g.slice(g.reshape(after, [-1]), [0], [1]), [1, 1]);
  const zero = g.cast(g.cast(g.mul(first, g.scalar(0, after.dtype)), 'int32'), 'float32');
  return g.add(zero, g.scalar(1));
}

/**
 * The float32 (n, k) weight behind an Nf4MatMul, dequantized once `after` exists (see
 * onceAvailable): an (n·k, 1) view of the same codes multiplied by a 1x1 one.
 */
export function nf4Weight(g: Graph, packed: Tensor, absmax: Tensor, n: number, k: number, blocksize: number, after: Tensor): Tensor {
  return g.reshape(g.nf4MatMul(onceAvailable(g, after), packed, absmax, n * k, 1, blocksize), [n, k]);
}
