// Tensor data in GGUF's types: float32, float16 (round to nearest even) and Q8_0 exactly as
// llama.cpp's converter (gguf-py's quants.py, bit-exact with ggml's quantize_row_q8_0_ref)
// computes it in float32: d = max|x| / 127 stored as float16, codes roundf(x * (1 / d)) with
// halves away from zero; and back, for checks.
import { float32ToHalf, halfToFloat32 } from '../io/half-float.js';
import { Q8_0_BLOCK, type GgmlTypeName } from './gguf-format.js';

export function encodeTensor(type: GgmlTypeName, values: Float32Array): Uint8Array {
  if (type === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (type === 'F16') return new Uint8Array(float32ToHalf(values).buffer);
  return quantizeQ8_0(values);
}

export function quantizeQ8_0(values: Float32Array): Uint8Array {
  if (values.length % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 needs a multiple of ${Q8_0_BLOCK} values, got ${values.length}`);
  const blocks = values.length / Q8_0_BLOCK;
  const out = new Uint8Array(blocks * (2 + Q8_0_BLOCK));
  const view = new DataView(out.buffer);
  const scale = new Float32Array(1);
  for (let b = 0; b < blocks; b++) {
    const start = b * Q8_0_BLOCK;
    let amax = 0;
    for (let i = 0; i < Q8_0_BLOCK; i++) amax = Math.max(amax, Math.abs(values[start + i]!));
    const d = Math.fround(amax / 127);
    const at = b * (2 + Q8_0_BLOCK);
    scale[0] = d;
    view.setUint16(at, float32ToHalf(scale)[0]!, true);
    const inverse = d === 0 ? 0 : Math.fround(1 / d);
    for (let i = 0; i < Q8_0_BLOCK; i++) view.setInt8(at + 2 + i, roundHalfAway(Math.fround(values[start + i]! * inverse)));
  }
  return out;
}

/** C's roundf (halves away from zero); exact here, since |x| + 0.5 of a float32 is exact in a double. */
const roundHalfAway = (x: number) => Math.sign(x) * Math.floor(Math.abs(x) + 0.5);

export function decodeTensor(type: GgmlTypeName, bytes: Uint8Array, elements: number): Float32Array {
  const copy = bytes.slice();
  if (type === 'F32') return new Float32Array(copy.buffer, 0, elements);
  if (type === 'F16') return halfToFloat32(new Uint16Array(copy.buffer, 0, elements));
  const out = new Float32Array(elements);
  const view = new DataView(copy.buffer);
  for (let b = 0; b < elements / Q8_0_BLOCK; b++) {
    const at = b * (2 + Q8_0_BLOCK);
    const d = halfToFloat32(new Uint16Array([view.getUint16(at, true)]))[0]!;
    for (let i = 0; i < Q8_0_BLOCK; i++) out[b * Q8_0_BLOCK + i] = d * view.getInt8(at + 2 + i);
  }
  return out;
}
