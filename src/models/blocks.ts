// Pieces the architectures share: the attention step over a KV cache, and the final projection.
import { softmax } from '../graph/composite.js';
import type { Graph } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';
import type { Recompute } from './types.js';

/**
 * softmax([q k_past^T, q k_new^T] / sqrt(D) + mask) [v_past; v_new] with H query heads sharing K
 * kv heads. Scores against the cache and the new keys are computed apart, so the cache is read
 * in place rather than copied into a concatenation every step.
 * q: (B, H, T, D); k, v: (B, K, T, D); past: (B, K, P, D) or null; mask: (B, T, P + T).
 * Without a cache, `recompute` may rebuild the probabilities in the backward pass (training).
 */
export function cachedAttention(
  g: Graph, q: Tensor, k: Tensor, v: Tensor, past: { k: Tensor; v: Tensor } | null, mask: Tensor,
  recompute: Recompute = (inputs, build) => build(inputs),
): Tensor {
  const [b, h, t, d] = q.shape as [number, number, number, number];
  const kv = k.shape[1]!;
  const group = h / kv;
  const qg = g.reshape(q, [b, kv, group, t, d]); // (B, K, G, T, D)
  const scale = g.scalar(1 / Math.sqrt(d), q.dtype);
  const scores = (qg: Tensor, k: Tensor) => g.mul(g.matMul(qg, g.transposeLast(g.unsqueeze(k, [2]))), scale); // (B, K, G, T, S)
  const maskG = g.unsqueeze(g.unsqueeze(mask, [1]), [1]); // (B, 1, 1, T, S)
  if (!past || past.k.shape[2] === 0) {
    return recompute([qg, k, v], ([qg, k, v]) => {
      const probs = softmax(g, g.add(scores(qg!, k!), maskG), -1);
      return [g.reshape(g.matMul(probs, g.unsqueeze(v!, [2])), [b, h, t, d])];
    })[0]!;
  }
  const scoresNew = scores(qg, k);
  const p = past.k.shape[2]!;
  const scoresPast = scores(qg, past.k); // (B, K, G, T, P)
  const probs = softmax(g, g.add(g.concat([scoresPast, scoresNew], -1), maskG), -1);
  const [probsPast, probsNew] = g.split(probs, -1, [p, t]);
  const out = g.add(g.matMul(probsPast!, g.unsqueeze(past.v, [2])), g.matMul(probsNew!, g.unsqueeze(v, [2])));
  return g.reshape(out, [b, h, t, d]);
}

/** Keeps only the last position of (B, T, C) when asked, before the (costly) vocabulary projection. */
export function lastPosition(g: Graph, x: Tensor, lastOnly: boolean | undefined): Tensor {
  const t = x.shape[1]!;
  return lastOnly && t > 1 ? g.slice(x, [t - 1], [t], [1]) : x;
}
