// Choosing the next token from logits: greedy, or sampling with temperature, top-k and top-p
// (transformers' order: temperature, then top-k, then top-p), from a seeded generator.

export interface SamplingOptions {
  /** 0 (default) picks the most likely token. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = all). */
  topP?: number;
}

export function argmax(logits: Float32Array, offset = 0, length = logits.length - offset): number {
  let best = 0;
  for (let v = 1; v < length; v++) if (logits[offset + v]! > logits[offset + best]!) best = v;
  return best;
}

/** Picks a token from logits[offset .. offset + vocab); `random` returns uniform numbers in [0, 1). */
export function sampleToken(logits: Float32Array, offset: number, vocab: number, options: SamplingOptions, random: () => number): number {
  const temperature = options.temperature ?? 0;
  if (temperature <= 0) return argmax(logits, offset, vocab);
  const order = Array.from({ length: vocab }, (_, v) => v).sort((a, b) => logits[offset + b]! - logits[offset + a]!);
  const k = options.topK && options.topK > 0 ? Math.min(options.topK, vocab) : vocab;
  const max = logits[offset + order[0]!]! / temperature;
  const probs: number[] = [];
  let total = 0;
  for (let i = 0; i < k; i++) {
    const p = Math.exp(logits[offset + order[i]!]! / temperature - max);
    probs.push(p);
    total += p;
  }
  const topP = options.topP ?? 1;
  let kept = probs.length;
  if (topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < probs.length; i++) {
      cumulative += probs[i]! / total;
      if (cumulative >= topP) {
        kept = i + 1;
        break;
      }
    }
  }
  const keptTotal = probs.slice(0, kept).reduce((a, b) => a + b, 0);
  let r = random() * keptTotal;
  for (let i = 0; i < kept; i++) {
    r -= probs[i]!;
    if (r < 0) return order[i]!;
  }
  return order[kept - 1]!;
}
