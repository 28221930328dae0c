/** NF4 dequantization as bitsandbytes `dequantize_4bit`: NF4_TABLE[code] * absmax in fp32. */
import { dequantizeBlockwise8bit } from './blockwise-8bit.js';
import { NF4_TABLE } from './nf4-table.js';
import { shapeElementCount } from './nf4-tensor.js';
import type { Nf4Tensor } from './nf4-tensor.js';

/** The fp32 absmax of every block, undoing double quantization when present. */
export function nf4BlockAbsmax(t: Nf4Tensor): Float32Array {
  if (!t.doubleQuant) return t.absmax;
  const absmax = dequantizeBlockwise8bit({ codes: t.absmax, absmax: t.nestedAbsmax, blocksize: t.nestedBlocksize }, t.nestedCode);
  for (let i = 0; i < absmax.length; i++) absmax[i] += t.nestedOffset;
  return absmax;
}

/** The weight in fp32, flattened in the shape's row-major order (bitsandbytes' values before its cast to `t.dtype`). */
export function dequantizeNf4(t: Nf4Tensor): Float32Array {
  const n = shapeElementCount(t.shape, 'dequantizeNf4');
  const blocks = Math.ceil(n / t.blocksize);
  const absmax = nf4BlockAbsmax(t);
  if (absmax.length !== blocks || t.packed.length !== Math.ceil(n / 2)) {
    throw new RangeError(
      `dequantizeNf4: shape [${t.shape.join(', ')}] in blocks of ${t.blocksize} needs ${blocks} absmax values ` +
        `and ${Math.ceil(n / 2)} packed bytes, got ${absmax.length} and ${t.packed.length}`,
    );
  }
  const out = new Float32Array(n);
  const packed = t.packed;
  for (let block = 0; block < blocks; block++) {
    const start = block * t.blocksize;
    const end = Math.min(start + t.blocksize, n);
    const scale = absmax[block];
    let i = start;
    for (; i + 1 < end; i += 2) {
      const byte = packed[i >> 1];
      out[i] = NF4_TABLE[byte >> 4] * scale;
      out[i + 1] = NF4_TABLE[byte & 0x0f] * scale;
    }
    if (i < end) out[i] = NF4_TABLE[packed[i >> 1] >> 4] * scale;
  }
  return out;
}
