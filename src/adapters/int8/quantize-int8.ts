// Per-output-feature int8 quantization of a linear weight, and its inverse.
import type { Shape } from '../../graph/shape.js';
import { dequantizeNf4, nf4BlockAbsmax } from '../nf4/dequantize-nf4.js';
import { NF4_TABLE } from '../nf4/nf4-table.js';
import type { Nf4Tensor } from '../nf4/nf4-tensor.js';
import { weightFeatures, type Int8Tensor, type WeightLayout } from './int8-tensor.js';

const TILE = 64;

/** A feature's scale from its largest |w|: max / 127, or 1 for an all-zero feature. */
const featureScale = (max: number) => (max > 0 ? max / 127 : 1);

/**
 * round(value * inverse). floor(x + 0.5) is Math.round(x) here, exactly: x is a product of two
 * float32 values (48 significant bits at most), so adding 0.5 never rounds; and about 4x faster
 * in V8. |x| stays within 127 plus float rounding below 0.5, so no code leaves -127..127.
 */
const roundCode = (value: number, inverse: number) => Math.floor(value * inverse + 0.5);

/** Codes round(w / scale) in -127..127 with scale = max |w| / 127 per output feature (1 for an all-zero one). */
export function quantizeInt8(w: Float32Array, shape: Shape, layout: WeightLayout): Int8Tensor {
  const [inFeatures, outFeatures] = weightFeatures(shape, layout);
  if (w.length !== inFeatures * outFeatures) throw new RangeError(`quantizeInt8: ${w.length} values do not fill [${shape.join(', ')}]`);
  const absMax = new Float32Array(outFeatures);
  if (layout === 'linear') {
    for (let o = 0; o < outFeatures; o++) {
      let m = 0;
      for (let i = 0, p = o * inFeatures; i < inFeatures; i++, p++) m = Math.max(m, Math.abs(w[p]!));
      absMax[o] = m;
    }
  } else {
    for (let p = 0; p < w.length; p++) absMax[p % outFeatures] = Math.max(absMax[p % outFeatures]!, Math.abs(w[p]!));
  }
  const scales = absMax.map(featureScale);
  const inverse = scales.map((s) => 1 / s);
  const codes = new Int8Array(inFeatures * outFeatures);
  const code = (value: number, o: number) => roundCode(value, inverse[o]!);
  // Tiled, so the transposing reads and writes of an (out, in) weight both stay in cache.
  for (let i0 = 0; i0 < inFeatures; i0 += TILE) {
    const iEnd = Math.min(i0 + TILE, inFeatures);
    for (let o0 = 0; o0 < outFeatures; o0 += TILE) {
      const oEnd = Math.min(o0 + TILE, outFeatures);
      for (let i = i0; i < iEnd; i++) {
        const row = i * outFeatures;
        if (layout === 'linear') for (let o = o0; o < oEnd; o++) codes[row + o] = code(w[o * inFeatures + i]!, o);
        else for (let o = o0; o < oEnd; o++) codes[row + o] = code(w[row + o]!, o);
      }
    }
  }
  return { codes, scales, inFeatures, outFeatures };
}

/** The float32 weight the codes stand for, in the checkpoint's layout. */
export function dequantizeInt8(t: Int8Tensor, layout: WeightLayout): Float32Array {
  const { codes, scales, inFeatures, outFeatures } = t;
  const out = new Float32Array(codes.length);
  for (let i = 0; i < inFeatures; i++) {
    for (let o = 0; o < outFeatures; o++) {
      out[layout === 'linear' ? o * inFeatures + i : i * outFeatures + o] = codes[i * outFeatures + o]! * scales[o]!;
    }
  }
  return out;
}

/** Output features decoded together: their float32 rows stay in cache while the codes are written across them. */
const NF4_ROWS = 16;

/**
 * The int8 codes of an NF4 weight's values: equal to quantizeInt8(dequantizeNf4(t), ...), a few
 * features at a time instead of through a float32 copy of the whole weight.
 */
export function quantizeNf4Int8(t: Nf4Tensor, layout: WeightLayout): Int8Tensor {
  if (layout !== 'linear' || t.shape.length !== 2) return quantizeInt8(dequantizeNf4(t), t.shape, layout);
  const [inFeatures, outFeatures] = weightFeatures(t.shape, layout);
  const absmax = nf4BlockAbsmax(t);
  const { packed, blocksize } = t;
  const scales = new Float32Array(outFeatures);
  const inverse = new Float32Array(outFeatures);
  const codes = new Int8Array(inFeatures * outFeatures);
  const rows = new Float32Array(NF4_ROWS * inFeatures);
  for (let o0 = 0; o0 < outFeatures; o0 += NF4_ROWS) {
    const count = Math.min(NF4_ROWS, outFeatures - o0);
    for (let r = 0; r < count; r++) {
      // The values of feature o0 + r (elements p of the flattened (out, in) weight), as dequantizeNf4 computes them.
      const start = (o0 + r) * inFeatures;
      const end = start + inFeatures;
      const offset = r * inFeatures - start;
      let max = 0;
      for (let p = start; p < end;) {
        const block = Math.floor(p / blocksize);
        const scale = absmax[block]!;
        for (const blockEnd = Math.min((block + 1) * blocksize, end); p < blockEnd; p++) {
          const byte = packed[p >> 1]!;
          // float32 as dequantizeNf4 stores it (an assignment's value would be the unrounded product)
          const value = Math.fround(NF4_TABLE[p & 1 ? byte & 0x0f : byte >> 4]! * scale);
          rows[offset + p] = value;
          max = Math.max(max, Math.abs(value));
        }
      }
      scales[o0 + r] = featureScale(max);
      inverse[o0 + r] = 1 / scales[o0 + r]!;
    }
    for (let i = 0; i < inFeatures; i++) {
      const row = i * outFeatures + o0;
      for (let r = 0; r < count; r++) codes[row + r] = roundCode(rows[r * inFeatures + i]!, inverse[o0 + r]!);
    }
  }
  return { codes, scales, inFeatures, outFeatures };
}
