// Random initial weights as transformers' `_init_weights` draws them: matrices and embeddings
// normal(0, initializer_range), norm weights ones, biases zeros; a seeded generator makes the
// same seed give the same bytes on every machine.
import type { Shape } from '../graph/shape.js';
import { sizeOf } from '../graph/shape.js';
import { mulberry32 } from '../testing/random.js';

export interface InitRules {
  /** Standard deviation of matrices and embeddings. */
  std: number;
  /** A different standard deviation for some tensors (GPT-2 scales its residual projections). */
  stdFor?: (name: string) => number | undefined;
  /** Embedding rows to zero, as nn.Embedding(padding_idx) does: `{ tensor name: row }`. */
  zeroRows?: Record<string, number>;
}

/** Standard normal numbers from a seeded uniform generator (Box-Muller, both values used). */
export function normalGenerator(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const u = 1 - uniform(); // (0, 1], so the log is finite
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

/** Fills every tensor of `shapes` in order: 1-D `.weight` (norms) ones, `.bias` zeros, the rest normal. */
export function initialWeights(shapes: Map<string, Shape>, rules: InitRules, seed: number): Map<string, Float32Array> {
  const normal = normalGenerator(seed);
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of shapes) {
    const data = new Float32Array(sizeOf(shape));
    if (name.endsWith('.bias')) {
      // zeros
    } else if (shape.length === 1) {
      data.fill(1);
    } else {
      const std = rules.stdFor?.(name) ?? rules.std;
      for (let i = 0; i < data.length; i++) data[i] = normal() * std;
      const row = rules.zeroRows?.[name];
      if (row !== undefined) data.fill(0, row * shape[1]!, (row + 1) * shape[1]!);
    }
    weights.set(name, data);
  }
  return weights;
}
