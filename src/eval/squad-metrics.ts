// Exact match and token F1 as SQuAD's official evaluate-v2.0.py computes them.

// string.punctuation in Python: the 32 ASCII punctuation characters, nothing else.
const ASCII_PUNCTUATION = /[!-\/:-@[-`{-~]/g;
// Python's \b is Unicode-aware (letters, digits and "_" of any script are word characters);
// JavaScript's \b is ASCII-only even with the u flag, so the boundary is spelled out.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;
// The characters Python's str.split() breaks on (str.isspace), which differ from JavaScript's \s.
const PYTHON_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** SQuAD's normalize_answer: lowercase, drop ASCII punctuation, drop a/an/the, collapse whitespace. */
export function normalizeAnswer(text: string): string {
  const lowered = text.toLowerCase();
  const withoutPunctuation = lowered.replace(ASCII_PUNCTUATION, '');
  const withoutArticles = withoutPunctuation.replace(ARTICLES, ' ');
  return withoutArticles.split(PYTHON_WHITESPACE).filter((token) => token !== '').join(' ');
}

/** The whitespace tokens of the normalised text (SQuAD's get_tokens). */
export function answerTokens(text: string): string[] {
  const normalized = normalizeAnswer(text);
  return normalized === '' ? [] : normalized.split(' ');
}

/** 1 when the normalised prediction equals the normalised reference, else 0. */
export function exactMatch(prediction: string, reference: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(reference) ? 1 : 0;
}

function countTokens(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/**
 * SQuAD token F1 over normalised tokens, counting repeated tokens as a multiset. As in
 * evaluate-v2.0.py, an empty side scores 1 when both are empty and 0 otherwise.
 */
export function tokenF1(prediction: string, reference: string): number {
  const predicted = answerTokens(prediction);
  const expected = answerTokens(reference);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;
  const expectedCounts = countTokens(expected);
  let same = 0;
  for (const [token, count] of countTokens(predicted)) same += Math.min(count, expectedCounts.get(token) ?? 0);
  if (same === 0) return 0;
  const precision = same / predicted.length;
  const recall = same / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * The best score over several acceptable references (SQuAD's metric_max_over_ground_truths).
 * No references counts as one empty reference, as evaluate-v2.0.py does for unanswerable questions.
 */
export function bestOverReferences(
  metric: (prediction: string, reference: string) => number,
  prediction: string,
  references: readonly string[],
): number {
  const candidates = references.length === 0 ? [''] : references;
  return Math.max(...candidates.map((reference) => metric(prediction, reference)));
}
