// NF4 weights inside a graph. The codes (two per byte, first element in the high nibble) go to
// onnxruntime's bitsandbytes kernel with one float32 absmax per block, itself decoded here from
// 8 bits plus an offset under double quantization. The base weights stay in memory as codes; a
// float32 copy exists only inside one kernel call, in the forward and again in the backward pass.
import { nf4Weight } from '../../graph/composite.js';
import type { Graph } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import type { Nf4Tensor } from './nf4-tensor.js';

/** The largest block the kernel takes; larger blocks are given as runs of equal kernel blocks. */
const KERNEL_MAX_BLOCKSIZE = 256;

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

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function nf4GraphInputs(g: Graph, key: string, layout: Nf4Layout): Nf4GraphInputs {
  const n = sizeOf(layout.shape);
  const blocks = Math.ceil(n / layout.blocksize);
  return {
    packed: g.sharedInput(key, [Math.ceil(n / 2)], 'uint8'),
    absmax: g.sharedInput(`${key}.absmax`, [blocks], layout.doubleQuant ? 'uint8' : 'float32'),
    nestedAbsmax: layout.doubleQuant ? g.sharedInput(`${key}.nested_absmax`, [Math.ceil(blocks / layout.nestedBlocksize)]) : null,
    nestedOffset: layout.doubleQuant ? g.sharedInput(`${key}.nested_offset`, []) : null,
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

/** The float32 absmax per kernel block, and the kernel's block size. */
export function nf4KernelScales(g: Graph, inputs: Nf4GraphInputs, layout: Nf4Layout): { absmax: Tensor; blocksize: number } {
  let absmax = inputs.absmax;
  if (layout.doubleQuant) {
    const table = g.constant(layout.nestedCode!, [layout.nestedCode!.length], 'float32');
    const decoded = g.gather(table, g.cast(inputs.absmax, 'int32'));
    absmax = g.add(scaleBlocks(g, decoded, inputs.nestedAbsmax!, layout.nestedBlocksize), inputs.nestedOffset!);
  }
  if (layout.blocksize <= KERNEL_MAX_BLOCKSIZE) return { absmax, blocksize: layout.blocksize };
  // A block of 1024 with absmax a is four blocks of 256 with absmax a: the same values exactly.
  const repeat = layout.blocksize / KERNEL_MAX_BLOCKSIZE;
  const blocks = absmax.shape[0]!;
  const runs = g.reshape(g.expand(g.reshape(absmax, [blocks, 1]), [blocks, repeat]), [blocks * repeat]);
  const needed = Math.ceil(sizeOf(layout.shape) / KERNEL_MAX_BLOCKSIZE);
  return { absmax: needed === blocks * repeat ? runs : g.slice(runs, [0], [needed]), blocksize: KERNEL_MAX_BLOCKSIZE };
}

/** x (..., in) times the transpose of a quantized (out, in) linear weight. */
export function nf4Linear(g: Graph, x: Tensor, inputs: Nf4GraphInputs, layout: Nf4Layout): Tensor {
  const [n, k] = layout.shape as [number, number];
  const { absmax, blocksize } = nf4KernelScales(g, inputs, layout);
  return g.nf4MatMul(x, inputs.packed, absmax, n, k, blocksize);
}

/** The float32 weight of a quantized layer, dequantized once `after` exists (not ahead of time). */
export function dequantizeNf4Graph(g: Graph, inputs: Nf4GraphInputs, layout: Nf4Layout, after: Tensor): Tensor {
  const { absmax, blocksize } = nf4KernelScales(g, inputs, layout);
  const n = sizeOf(layout.shape);
  return g.reshape(nf4Weight(g, inputs.packed, absmax, n, 1, blocksize, after), layout.shape);
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
