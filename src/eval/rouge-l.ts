// ROUGE-L as Google's rouge-score package computes it (rouge_scorer.py, tokenize.py), without stemming.

/** Precision, recall and F-measure of one score, each in [0, 1]. */
export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** rouge-score's default tokenizer: lowercase, every run of non [a-z0-9] becomes a space, split. */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((token) => token !== '');
}

/** Length of the longest common subsequence, in two rows of memory: O(len(a) * len(b)) time. */
export function lcsLength<T>(a: readonly T[], b: readonly T[]): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  let previous = new Array<number>(short.length + 1).fill(0);
  let current = new Array<number>(short.length + 1).fill(0);
  for (const item of long) {
    for (let j = 1; j <= short.length; j++) {
      current[j] = item === short[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    [previous, current] = [current, previous];
  }
  return previous[short.length]!;
}

/** Harmonic mean of precision and recall, 0 when both are 0 (rouge-score's scoring.fmeasure). */
export function fMeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** ROUGE-L of a prediction against a reference: LCS over tokens, divided by each side's length. */
export function rougeL(prediction: string, reference: string): RougeScore {
  const predicted = rougeTokens(prediction);
  const expected = rougeTokens(reference);
  if (predicted.length === 0 || expected.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const common = lcsLength(expected, predicted);
  const precision = common / predicted.length;
  const recall = common / expected.length;
  return { precision, recall, fmeasure: fMeasure(precision, recall) };
}
