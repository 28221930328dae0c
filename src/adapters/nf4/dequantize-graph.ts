// NF4 dequantization inside a graph: unpack two 4-bit codes per byte (first element in the high
// nibble), look them up in the 16-value table, and scale each block by its absmax (itself
// dequantized from 8 bits plus an offset under double quantization). The base weights stay in
// memory as codes; a full-precision copy exists only while one layer computes.
import type { Graph } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import { NF4_TABLE } from './nf4-table.js';
import type { Nf4Tensor } from './nf4-tensor.js';

/** NF4 values of both nibbles of every byte value, first element (high nibble) first. */
const NIBBLE_PAIRS = Float32Array.from({ length: 512 }, (_, i) => NF4_TABLE[i % 2 === 0 ? (i >> 1) >> 4 : (i >> 1) & 15]!);

export interface Nf4Layout {
  shape: readonly number[];
  blocksize: number;
  doubleQuant: boolean;
  nestedBlocksize: number;
  /** The 8-bit code book of the absmax values (double quantization). */
  nestedCode: Float32Array | null;
}

export function nf4Layout(t: Nf4Tensor): Nf4Layout {
  return {
    shape: t.shape, blocksize: t.blocksize, doubleQuant: t.doubleQuant,
    nestedBlocksize: t.doubleQuant ? t.nestedBlocksize : 0, nestedCode: t.doubleQuant ? t.nestedCode : null,
  };
}

/** Graph inputs of one quantized weight, named after the bitsandbytes keys. */
export interface Nf4GraphInputs {
  packed: Tensor;
  absmax: Tensor;
  nestedAbsmax: Tensor | null;
  nestedOffset: Tensor | null;
}

export function nf4GraphInputs(g: Graph, key: string, layout: Nf4Layout): Nf4GraphInputs {
  const n = layout.shape.reduce((a, b) => a * b, 1);
  const blocks = Math.ceil(n / layout.blocksize);
  return {
    packed: g.input(key, [Math.ceil(n / 2)], 'uint8'),
    absmax: g.input(`${key}.absmax`, [blocks], layout.doubleQuant ? 'uint8' : 'float32'),
    nestedAbsmax: layout.doubleQuant ? g.input(`${key}.nested_absmax`, [Math.ceil(blocks / layout.nestedBlocksize)]) : null,
    nestedOffset: layout.doubleQuant ? g.input(`${key}.nested_offset`, []) : null,
  };
}

/** Multiplies (len) values blockwise by (ceil(len / size)) scales. */
function scaleBlocks(g: Graph, values: Tensor, scales: Tensor, size: number): Tensor {
  const n = values.shape[0]!;
  const blocks = scales.shape[0]!;
  const padded = blocks * size === n ? values : g.pad(values, [0, blocks * size - n]);
  const scaled = g.mul(g.reshape(padded, [blocks, size]), g.reshape(scales, [blocks, 1]));
  const flat = g.reshape(scaled, [blocks * size]);
  return blocks * size === n ? flat : g.slice(flat, [0], [n]);
}

/**
 * The float32 weight of a quantized layer. With `after`, the lookup tables take a zero-valued
 * data dependency on that tensor, so the weight is rebuilt when `after` exists and is not
 * computed ahead of time (or merged with another copy) by the runtime's scheduler.
 */
export function dequantizeNf4Graph(g: Graph, inputs: Nf4GraphInputs, layout: Nf4Layout, after?: Tensor): Tensor {
  const n = layout.shape.reduce((a, b) => a * b, 1);
  // The zero passes through an integer cast: an ordering dependency that carries no gradient, so the
  // backward pass neither differentiates the dequantization nor keeps its intermediates.
  const zeroInt = after ? g.cast(g.mul(g.reshape(g.slice(g.reshape(after, [-1]), [0], [1]), []), g.scalar(0, after.dtype)), 'int32') : null;
  const zero = zeroInt ? g.cast(zeroInt, 'float32') : null;
  // The codes pass through the same dependency, so their int32 copy is made just in time too.
  const packed = zeroInt ? g.where(g.equal(zeroInt, g.scalar(0, 'int32')), inputs.packed, inputs.packed) : inputs.packed;
  const table = (values: Float32Array) => {
    const t = g.constant(values, values === NIBBLE_PAIRS ? [256, 2] : [values.length], 'float32');
    return zero ? g.add(t, zero) : t;
  };
  // One lookup per byte: row b of the (256, 2) table holds the values of its high and low nibble.
  const bytes = packed.shape[0]!;
  const pairs = g.reshape(g.gather(table(NIBBLE_PAIRS), g.cast(packed, 'int32')), [2 * bytes]); // (2 * bytes)
  const values = 2 * bytes === n ? pairs : g.slice(pairs, [0], [n]); // (n)
  let absmax = inputs.absmax;
  if (layout.doubleQuant) {
    const decoded = g.gather(table(layout.nestedCode!), g.cast(inputs.absmax, 'int32'));
    absmax = g.add(scaleBlocks(g, decoded, inputs.nestedAbsmax!, layout.nestedBlocksize), inputs.nestedOffset!);
  }
  return g.reshape(scaleBlocks(g, values, absmax, layout.blocksize), layout.shape);
}

/** Host feeds for a quantized weight, matching nf4GraphInputs. */
export function nf4Feeds(key: string, t: Nf4Tensor): Record<string, { data: Uint8Array | Float32Array; shape: number[]; dtype: 'uint8' | 'float32' }> {
  const feeds: Record<string, { data: Uint8Array | Float32Array; shape: number[]; dtype: 'uint8' | 'float32' }> = {
    [key]: { data: t.packed, shape: [t.packed.length], dtype: 'uint8' },
    [`${key}.absmax`]: { data: t.absmax, shape: [t.absmax.length], dtype: t.doubleQuant ? 'uint8' : 'float32' },
  };
  if (t.doubleQuant) {
    feeds[`${key}.nested_absmax`] = { data: t.nestedAbsmax, shape: [t.nestedAbsmax.length], dtype: 'float32' };
    feeds[`${key}.nested_offset`] = { data: new Float32Array([t.nestedOffset]), shape: [], dtype: 'float32' };
  }
  return feeds;
}
