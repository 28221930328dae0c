/**
 * Bit-exact conversions between float32 and the 16/8-bit float formats found in
 * checkpoints (IEEE half, bfloat16, fp8 e4m3fn / e5m2). Narrowing rounds to nearest even.
 */

let halfTable: Uint32Array | undefined;

/** float32 bit pattern of every float16 bit pattern, built once (256 KiB). */
function halfToFloatBitsTable(): Uint32Array {
  if (halfTable) return halfTable;
  halfTable = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) halfTable[h] = halfBitsToFloatBits(h);
  return halfTable;
}

function halfBitsToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  // Infinity, or NaN made quiet as hardware conversion does.
  if (exponent === 0x1f) return (sign | (mantissa !== 0 ? 0x7fc00000 : 0x7f800000) | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0; // +-0
  // Subnormal half: shift until the leading one becomes the implicit bit.
  let e = 113;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
}

/** Widens float16 bit patterns to float32 values. */
export function halfToFloat32(bits: Uint16Array): Float32Array {
  const table = halfToFloatBitsTable();
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = table[bits[i]!]!;
  return out;
}

/** Widens bfloat16 bit patterns to float32 values (bfloat16 is the top half of a float32). */
export function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i]! << 16;
  return out;
}

/** Narrows one float32 bit pattern to float16, rounding to nearest even; NaN stays NaN. */
export function floatBitsToHalfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0);
  const halfExponent = exponent - 112;
  if (halfExponent >= 31) return sign | 0x7c00; // too large: infinity
  if (halfExponent > 0) {
    let h = (halfExponent << 10) | (mantissa >>> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // a carry may reach infinity, as it should
    return sign | h;
  }
  // Result is a half subnormal (or zero): value / 2^-24 = full * 2^(exponent - 126).
  const shift = 14 - halfExponent;
  if (shift > 24) return sign;
  const full = mantissa | 0x800000;
  let h = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && (h & 1) === 1)) h++;
  return sign | h;
}

/** Narrows one float32 bit pattern to bfloat16, rounding to nearest even; NaN stays NaN. */
export function floatBitsToBfloat16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff;
  const lsb = (x >>> 16) & 1;
  return Math.floor(((x >>> 0) + 0x7fff + lsb) / 65536) & 0xffff;
}

export function float32ToHalf(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatBitsToHalfBits(bits[i]!);
  return out;
}

export function float32ToBfloat16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatBitsToBfloat16Bits(bits[i]!);
  return out;
}

/** fp8 e5m2 is the top byte of a float16. */
export function float8e5m2ToFloat32(bytes: Uint8Array): Float32Array {
  const table = halfToFloatBitsTable();
  const out = new Float32Array(bytes.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bytes.length; i++) outBits[i] = table[bytes[i]! << 8]!;
  return out;
}

/** fp8 e4m3fn: bias 7, no infinities, S.1111.111 is NaN. */
export function float8e4m3ToFloat32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const sign = b & 0x80 ? -1 : 1;
    const exponent = (b >> 3) & 0xf;
    const mantissa = b & 0x7;
    if (exponent === 0xf && mantissa === 0x7) out[i] = NaN;
    else if (exponent === 0) out[i] = sign * mantissa * 2 ** -9;
    else out[i] = sign * (1 + mantissa / 8) * 2 ** (exponent - 7);
  }
  return out;
}
