/** Nearest-code search over a sorted code book, the rule every quantizer here uses. */

/** fp32 midpoints between neighbouring codes, `(code[i] + code[i+1]) / 2` as torch computes them. */
export function codeMidpoints(code: Float32Array): Float32Array {
  const midpoints = new Float32Array(Math.max(code.length - 1, 0));
  for (let i = 0; i < midpoints.length; i++) midpoints[i] = (code[i] + code[i + 1]) / 2;
  return midpoints;
}

/**
 * Index of the nearest code for `x`: the number of midpoints strictly below it, so a
 * value exactly on a midpoint takes the lower code (torch.bucketize, right=False).
 */
export function nearestCodeIndex(midpoints: Float32Array, x: number): number {
  let low = 0;
  let high = midpoints.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (midpoints[middle] < x) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Throws unless `code` is sorted ascending, which the midpoint search relies on. */
export function assertSortedCode(code: Float32Array, what: string): void {
  for (let i = 1; i < code.length; i++) {
    if (!(code[i - 1] <= code[i])) {
      throw new RangeError(`${what} must be sorted ascending; entry ${i} (${code[i]}) is below entry ${i - 1} (${code[i - 1]})`);
    }
  }
}
