// A small seeded PRNG (mulberry32) so tests, initialisation and sampling draw the same numbers on every machine.
import { mulberry32 as mulberry32Uint32 } from '../data/split/prng.js';

/** Uniform numbers in [0, 1) from mulberry32 (the same stream the data split uses, scaled). */
export function mulberry32(seed: number): () => number {
  const next = mulberry32Uint32(seed);
  return () => next() / 4294967296;
}

/** Uniform values in [lo, hi). */
export function uniform(rand: () => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

/** A stable 32-bit hash of a string, for deriving per-case seeds. */
export function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
