// Pieces the architectures share: the attention step over a KV cache, and the final projection.
import { softmax } from '../graph/composite.js';
import type { Graph } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';
import type { Recompute } from './types.js';

/** Query positions per block of causal attention over long sequences (cachedAttention). */
export const CAUSAL_BLOCK = 256;

/**
 * softmax([q k_past^T, q k_new^T] / sqrt(D) + mask) [v_past; v_new] with H query heads sharing K
 * kv heads. The G = H / K query heads of a kv head are its rows: q is viewed as (B, K, G*T, D),
 * so each kv head's keys and values are read as they are (no broadcast copy of the cache, one
 * product per kv head). Scores against the cache and the new keys are computed apart, so the
 * cache is read in place rather than copied into a concatenation every step.
 * q: (B, H, T, D); k, v: (B, K, T, D); past: (B, K, P, D) or null; mask: (B, T, P + T).
 * Without a cache, `recompute` may rebuild the probabilities in the backward pass (training), and
 * from 2 x `causalBlock` positions on the queries go in blocks of that many, each scoring only the
 * keys up to its last position: the causal mask hides the rest, so with n blocks the products,
 * the softmax and the probabilities kept for the backward pass cover (n + 1) / 2n of the square.
 */
export function cachedAttention(
  g: Graph, q: Tensor, k: Tensor, v: Tensor, past: { k: Tensor; v: Tensor } | null, mask: Tensor,
  recompute: Recompute = (inputs, build) => build(inputs), causalBlock = CAUSAL_BLOCK,
): Tensor {
  const [b, h, t, d] = q.shape as [number, number, number, number];
  const kv = k.shape[1]!;
  const group = h / kv;
  const rows = g.reshape(q, [b, kv, group * t, d]); // (B, K, G*T, D)
  const scale = g.scalar(1 / Math.sqrt(d), q.dtype);
  const scores = (rows: Tensor, k: Tensor) => g.mul(g.matMul(rows, g.transposeLast(k)), scale); // (B, K, G*T, S)
  // The mask is per position, the same for every head: added on a (B, K, G, T, S) view.
  const maskG = g.unsqueeze(g.unsqueeze(mask, [1]), [1]); // (B, 1, 1, T, S)
  const masked = (scores: Tensor) => {
    const s = scores.shape[3]!;
    return g.reshape(g.add(g.reshape(scores, [b, kv, group, t, s]), maskG), [b, kv, group * t, s]);
  };
  if (!past || past.k.shape[2] === 0) {
    return recompute([rows, k, v], ([rows, k, v]) => {
      if (t < 2 * causalBlock) {
        const probs = softmax(g, masked(scores(rows!, k!)), -1);
        return [g.reshape(g.matMul(probs, v!), [b, h, t, d])];
      }
      const queries = g.reshape(rows!, [b, kv, group, t, d]);
      const blocks: Tensor[] = [];
      for (let start = 0; start < t; start += causalBlock) {
        const end = Math.min(t, start + causalBlock);
        const n = end - start;
        const blockRows = g.reshape(g.slice(queries, [start], [end], [3]), [b, kv, group * n, d]);
        const blockMask = g.unsqueeze(g.unsqueeze(g.slice(mask, [start, 0], [end, end], [1, 2]), [1]), [1]); // (B, 1, 1, n, end)
        const blockScores = g.add(g.reshape(scores(blockRows, g.slice(k!, [0], [end], [2])), [b, kv, group, n, end]), blockMask);
        const probs = softmax(g, g.reshape(blockScores, [b, kv, group * n, end]), -1);
        blocks.push(g.reshape(g.matMul(probs, g.slice(v!, [0], [end], [2])), [b, kv, group, n, d]));
      }
      return [g.reshape(g.concat(blocks, 3), [b, h, t, d])];
    })[0]!;
  }
  const p = past.k.shape[2]!;
  const probs = softmax(g, masked(g.concat([scores(rows, past.k), scores(rows, k)], -1)), -1);
  const [probsPast, probsNew] = g.split(probs, -1, [p, t]);
  const out = g.add(g.matMul(probsPast!, past.v), g.matMul(probsNew!, v));
  return g.reshape(out, [b, h, t, d]);
}

/** Keeps only the last position of (B, T, C) when asked, before the (costly) vocabulary projection. */
export function lastPosition(g: Graph, x: Tensor, lastOnly: boolean | undefined): Tensor {
  const t = x.shape[1]!;
  return lastOnly && t > 1 ? g.slice(x, [t - 1], [t], [1]) : x;
}
