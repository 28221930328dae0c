/** Per-block absmax and its reciprocal, shared by the 4-bit and 8-bit quantizers. */
import { TunaInputError } from '../../errors.js';

// bitsandbytes' PyTorch backend clamps the divisor here, so an all-zero block scales to 0, not NaN.
const SMALLEST_DIVISOR = Math.fround(1e-38);

/** max |values[start..end)|; throws on NaN or infinity, which no block scale can represent. */
export function blockAbsmax(values: Float32Array, start: number, end: number, what: string): number {
  let max = 0;
  for (let i = start; i < end; i++) max = Math.max(max, Math.abs(values[i]));
  if (!Number.isFinite(max)) {
    let bad = start;
    while (bad < end && Number.isFinite(values[bad])) bad++;
    throw new TunaInputError(
      `${what}: element ${bad} is ${values[bad]}; quantization needs finite values (check the checkpoint or the step that produced it)`,
    );
  }
  return max;
}

/** fp32 `1 / max(absmax, 1e-38)`; multiplying by it is how every backend scales a block. */
export function inverseAbsmax(absmax: number): number {
  return Math.fround(1 / Math.max(absmax, SMALLEST_DIVISOR));
}
