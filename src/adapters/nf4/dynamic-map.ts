/**
 * bitsandbytes' dynamic 8-bit code book (functional.py `create_dynamic_map`): for each
 * exponent 10^-6 .. 10^0, fractions from the midpoints of linspace(0.1, 1), both signs,
 * plus 0 and 1, sorted. All arithmetic is fp32, as torch does it.
 */
import { TunaInputError } from '../../errors.js';

const f32 = Math.fround;

/**
 * torch.linspace in float32 as PyTorch >= 2.0 computes it on CPU: `start + step*i` below
 * halfway, `end - step*(steps-1-i)` above, each rounded once (the compiler fuses the
 * multiply-add). The double expressions below are exact, so one fround is that rounding.
 */
export function linspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) out[0] = start;
  if (steps < 2) return out;
  const first = f32(start);
  const last = f32(end);
  const step = f32(f32(last - first) / f32(steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? first + step * i : last - step * (steps - 1 - i);
  }
  return out;
}

/** Midpoints of linspace(0.1, 1, count + 1) times `scale`, in fp32, appended with both signs. */
function appendFractions(data: number[], count: number, scale: number, signed: boolean): void {
  const boundaries = linspaceF32(0.1, 1, count + 1);
  const scale32 = f32(scale);
  for (let j = 0; j < count; j++) {
    const value = f32(scale32 * f32((boundaries[j] + boundaries[j + 1]) / 2));
    data.push(value);
    if (signed) data.push(-value);
  }
}

/** Correctly rounded 10^exponent, as Python's `10 ** exponent` gives it (`**` may be off by an ulp). */
function powerOfTen(exponent: number): number {
  return Number(`1e${exponent}`);
}

/** The 2^totalBits sorted code values; the defaults give the map double quantization uses. */
export function createDynamicMap(signed = true, maxExponentBits = 7, totalBits = 8): Float32Array {
  const nonSignBits = totalBits - 1;
  if (!Number.isInteger(maxExponentBits) || maxExponentBits < 1 || maxExponentBits > nonSignBits || totalBits > 8) {
    throw new TunaInputError(
      `dynamic map needs 1 <= maxExponentBits (${maxExponentBits}) <= totalBits - 1 (${nonSignBits}) and totalBits <= 8`,
    );
  }
  const data: number[] = [];
  const additionalItems = 2 ** (nonSignBits - maxExponentBits) - 1;
  for (let i = 0; i < maxExponentBits; i++) {
    const fractionItems = signed ? 2 ** (i + nonSignBits - maxExponentBits) : 2 ** (i + nonSignBits - maxExponentBits + 1);
    appendFractions(data, fractionItems, powerOfTen(i - (maxExponentBits - 1)), signed);
  }
  // bitsandbytes reuses the last exponent (its loop variable) for the extra items.
  if (additionalItems > 0) appendFractions(data, additionalItems, 1, signed);
  data.push(0, 1.0);
  if (data.length !== 2 ** totalBits) {
    throw new TunaInputError(
      `dynamic map with signed=${signed}, maxExponentBits=${maxExponentBits}, totalBits=${totalBits} ` +
        `has ${data.length} values, not ${2 ** totalBits}; bitsandbytes rejects it too`,
    );
  }
  while (data.length < 256) data.push(0);
  return Float32Array.from(data.sort((a, b) => a - b));
}

let defaultMap: Float32Array | undefined;

/** The default signed map, built once; callers must not modify it. */
export function defaultDynamicMap(): Float32Array {
  defaultMap ??= createDynamicMap();
  return defaultMap;
}
