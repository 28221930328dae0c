/**
 * The NF4 code book (bitsandbytes functional.py `get_4bit_type('nf4')`): quantiles of
 * N(0, 1) scaled to [-1, 1], with an exact zero at code 7.
 */
import { codeMidpoints, nearestCodeIndex } from './nearest-code.js';

export const NF4_TABLE: Float32Array = Float32Array.of(
  -1.0,
  -0.6961928009986877,
  -0.5250730514526367,
  -0.39491748809814453,
  -0.28444138169288635,
  -0.18477343022823334,
  -0.09105003625154495,
  0.0,
  0.07958029955625534,
  0.16093020141124725,
  0.24611230194568634,
  0.33791524171829224,
  0.44070982933044434,
  0.5626170039176941,
  0.7229568362236023,
  1.0,
);

/** Code a zero scales to; it also fills the low nibble after an odd last element. */
export const NF4_ZERO_CODE = 7;

// fp32 midpoints; they equal the thresholds of bitsandbytes' CUDA decision tree bit for bit.
const MIDPOINTS = codeMidpoints(NF4_TABLE);
/** Bins of equal width over [-1, 1]; no bin holds two midpoints (neighbours lie 0.08 or more apart). */
const BINS = 1024;
/** The code of each bin's lower edge. */
const BIN_CODE = Uint8Array.from({ length: BINS }, (_, b) => nearestCodeIndex(MIDPOINTS, -1 + (2 * b) / BINS));

/**
 * Nearest NF4 code of a float32 value already divided by its block's absmax. A value exactly
 * on a midpoint takes the lower code (torch.bucketize, and the CUDA tree's `x > t`). It starts
 * from the code of x's bin and steps over a midpoint inside the bin: a comparison that is
 * mostly not taken, where a decision tree over the midpoints mispredicted on normally
 * distributed weights (quantizeNf4: 21 against 8 ns per element).
 */
export function nearestNf4Code(x: number): number {
  // For a float32 x, x + 1 rounds only within 2^-29 of zero, far from every midpoint, so the
  // bin's lower edge never lies past a midpoint above x; bins past either end clamp to the ends.
  const bin = ((x + 1) * (BINS / 2)) | 0;
  let code = BIN_CODE[bin <= 0 ? 0 : bin < BINS ? bin : BINS - 1]!;
  while (code < 15 && x > MIDPOINTS[code]!) code++;
  return code;
}
