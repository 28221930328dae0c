// Multi-head causal self-attention with grouped key/value heads, rotary embeddings applied by
// the caller (Graph.rotary), and an additive mask. Shapes in comments: B batch, T length, H heads,
// K key/value heads, D head size.
import { softmax } from '../graph/composite.js';
import type { Graph } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';

/** (B, T, H*D) -> (B, H, T, D) */
export function splitHeads(g: Graph, x: Tensor, heads: number): Tensor {
  const [b, t, c] = x.shape as [number, number, number];
  return g.transpose(g.reshape(x, [b, t, heads, c / heads]), [0, 2, 1, 3]);
}

/** (B, H, T, D) -> (B, T, H*D) */
export function mergeHeads(g: Graph, x: Tensor): Tensor {
  const [b, h, t, d] = x.shape as [number, number, number, number];
  return g.reshape(g.transpose(x, [0, 2, 1, 3]), [b, t, h * d]);
}

/**
 * softmax(q k^T / sqrt(D) + mask) v with H query heads sharing K key/value heads.
 * q: (B, H, T, D); k, v: (B, K, S, D); mask broadcasts to (B, 1, T, S). Returns (B, H, T, D).
 */
export function attend(g: Graph, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, scale?: number): Tensor {
  const [b, h, t, d] = q.shape as [number, number, number, number];
  const kvHeads = k.shape[1]!;
  const s = k.shape[2]!;
  const group = h / kvHeads;
  const qg = g.reshape(q, [b, kvHeads, group, t, d]); // (B, K, G, T, D)
  const kg = g.unsqueeze(k, [2]); // (B, K, 1, S, D)
  const vg = g.unsqueeze(v, [2]);
  let scores = g.matMul(qg, g.transposeLast(kg)); // (B, K, G, T, S)
  scores = g.mul(scores, g.scalar(scale ?? 1 / Math.sqrt(d), q.dtype));
  if (mask) scores = g.add(scores, g.unsqueeze(g.reshape(mask, [mask.shape[0]!, 1, t, s]), [2]));
  const out = g.matMul(softmax(g, scores, -1), vg); // (B, K, G, T, D)
  return g.reshape(out, [b, h, t, d]);
}
