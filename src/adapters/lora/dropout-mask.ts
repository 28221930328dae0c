// LoRA dropout masks as bits: one bit per element of the adapter input (1 keeps it), eight to a
// byte along the feature axis, each row padded to whole bytes. A micro-batch of a 1B model holds
// hundreds of millions of elements; as bits its masks are an eighth of bytes, and the keep/drop
// draws cost one random number per dropped element (geometric gaps) instead of one per element.
import { onceAvailable } from '../../graph/composite.js';
import type { Graph } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';

/** Bytes per row of `features` mask bits. */
export const maskRowBytes = (features: number) => Math.ceil(features / 8);

/**
 * `rows` rows of `features` bits, each element dropped (bit 0) with probability `p` independently:
 * the gaps between dropped elements are geometric, drawn from `random` (uniform in [0, 1)).
 */
export function dropoutBits(rows: number, features: number, p: number, random: () => number): Uint8Array {
  const stride = maskRowBytes(features);
  const bits = new Uint8Array(rows * stride).fill(0xff);
  if (p <= 0) return bits;
  const total = rows * features;
  const logKeep = Math.log1p(-p);
  for (let i = Math.floor(Math.log(1 - random()) / logKeep); i < total; i += 1 + Math.floor(Math.log(1 - random()) / logKeep)) {
    const row = Math.floor(i / features);
    const col = i - row * features;
    bits[row * stride + (col >> 3)]! &= ~(1 << (col & 7));
  }
  return bits;
}

/**
 * Bit k of byte j along the last axis of `packed` (uint8) as element 8j + k, (..., features) bool.
 * With `after`, the unpacking runs only once `after` exists (onceAvailable), so a mask is made
 * next to its use, and again where a checkpointed layer is recomputed, instead of all masks at
 * the start of a step and held to its end.
 */
export function unpackBits(g: Graph, packed: Tensor, features: number, after?: Tensor): Tensor {
  if (after) packed = g.where(g.greater(onceAvailable(g, after), g.scalar(0)), packed, packed);
  const lead = packed.shape.slice(0, -1);
  const stride = packed.shape.at(-1)!;
  // (x << (7 - k)) >> 7 in uint8 keeps bit k alone.
  const up = g.bitShift(g.unsqueeze(packed, [-1]), g.constant(Uint8Array.from([7, 6, 5, 4, 3, 2, 1, 0]), [8], 'uint8'), 'left');
  const bits = g.reshape(g.bitShift(up, g.constant(Uint8Array.from([7]), [], 'uint8'), 'right'), [...lead, stride * 8]);
  const cut = stride * 8 === features ? bits : g.slice(bits, [0], [features], [lead.length]);
  return g.cast(cut, 'bool');
}
