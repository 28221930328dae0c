import { TunaInputError } from '../../errors.js';

/**
 * mulberry32: a 32-bit seeded generator (Tommy Ettinger's constants), returning uint32 values.
 * Integer-only arithmetic (Math.imul, >>>), so a seed gives the same stream on every machine.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** An integer in [0, bound) from a uint32 draw; exact for bound < 2^21, since the product stays below 2^53. */
function below(bound: number, nextUint32: () => number): number {
  return Math.floor((nextUint32() * bound) / 0x1_0000_0000);
}

/** Checks a user seed: any safe integer; it is used modulo 2^32. */
export function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new TunaInputError(`--seed ${seed}: the seed must be a whole number.`);
  return seed;
}

/**
 * Fisher-Yates shuffle (Durstenfeld's in-place form, from the last element down) of [0, n),
 * driven by mulberry32(seed). Returns the permuted indices.
 */
export function shuffledIndices(n: number, seed: number): number[] {
  const next = mulberry32(checkSeed(seed));
  const indices = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = below(i + 1, next);
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  return indices;
}
