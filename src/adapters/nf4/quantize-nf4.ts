/**
 * NF4 quantization as bitsandbytes `quantize_4bit(quant_type='nf4')`: blocks of the
 * flattened weight are scaled by 1/absmax and mapped to the nearest NF4 code; with
 * double quantization the absmax values are quantized again (`compress_statistics`).
 */
import { blockAbsmax, inverseAbsmax } from './block-scale.js';
import { quantizeBlockwise8bit } from './blockwise-8bit.js';
import { checkNf4Blocksize } from './blocksize.js';
import { defaultDynamicMap } from './dynamic-map.js';
import { NF4_ZERO_CODE, nearestNf4Code } from './nf4-table.js';
import { shapeElementCount } from './nf4-tensor.js';
import type { Nf4SourceDtype, Nf4Tensor } from './nf4-tensor.js';

export const NESTED_BLOCKSIZE = 256;

export interface QuantizeNf4Options {
  /** Elements per absmax block: 32..4096, a power of two; 64 by default. */
  blocksize?: number;
  /** Quantize the absmax values to 8 bits too (Linear4bit's default); true by default. */
  doubleQuant?: boolean;
  /** dtype the weights had before they became fp32 here; recorded for loaders. */
  dtype?: Nf4SourceDtype;
}

export function quantizeNf4(weights: Float32Array, shape: readonly number[], options: QuantizeNf4Options = {}): Nf4Tensor {
  const blocksize = checkNf4Blocksize(options.blocksize ?? 64);
  const n = shapeElementCount(shape, 'quantizeNf4');
  if (n !== weights.length) {
    throw new RangeError(`quantizeNf4: shape [${shape.join(', ')}] holds ${n} elements but ${weights.length} were given`);
  }
  if (n === 0) throw new RangeError('quantizeNf4: the tensor is empty; there is nothing to quantize');
  const { packed, absmax } = packNf4Codes(weights, blocksize);
  const common = { shape: [...shape], blocksize, dtype: options.dtype ?? 'float32', packed } as const;
  if (options.doubleQuant === false) return { ...common, doubleQuant: false, absmax };

  const nestedOffset = meanF32(absmax);
  const centered = new Float32Array(absmax.length);
  for (let i = 0; i < absmax.length; i++) centered[i] = absmax[i] - nestedOffset;
  const nestedCode = defaultDynamicMap();
  const nested = quantizeBlockwise8bit(centered, { blocksize: NESTED_BLOCKSIZE, code: nestedCode });
  return {
    ...common,
    doubleQuant: true,
    absmax: nested.codes,
    nestedAbsmax: nested.absmax,
    nestedOffset,
    nestedBlocksize: NESTED_BLOCKSIZE,
    nestedCode: Float32Array.from(nestedCode),
  };
}

/** One pass: absmax per block, then codes packed two per byte (first element high). */
function packNf4Codes(weights: Float32Array, blocksize: number): { packed: Uint8Array; absmax: Float32Array } {
  const n = weights.length;
  const blocks = Math.ceil(n / blocksize);
  const packed = new Uint8Array(Math.ceil(n / 2));
  const absmax = new Float32Array(blocks);
  for (let block = 0; block < blocks; block++) {
    const start = block * blocksize;
    const end = Math.min(start + blocksize, n);
    const max = blockAbsmax(weights, start, end, 'NF4 quantization input');
    absmax[block] = max;
    const inverse = inverseAbsmax(max);
    // Blocks start at even indices (blocksize is even), so byte pairs never straddle blocks.
    let i = start;
    for (; i + 1 < end; i += 2) {
      const high = nearestNf4Code(Math.fround(weights[i] * inverse));
      const low = nearestNf4Code(Math.fround(weights[i + 1] * inverse));
      packed[i >> 1] = (high << 4) | low;
    }
    // An odd last element pairs with a zero pad, as bitsandbytes pads before packing.
    if (i < end) packed[i >> 1] = (nearestNf4Code(Math.fround(weights[i] * inverse)) << 4) | NF4_ZERO_CODE;
  }
  return { packed, absmax };
}

/** fp32 mean, summed in float64: the correctly rounded value of torch's `absmax.mean()`. */
function meanF32(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return Math.fround(sum / values.length);
}
