// Corpus-level numbers from per-example ones.

/** Teacher-forced loss totals: summed token negative log-likelihood (nats) and the tokens it covers. */
export interface LossTotals {
  nll: number;
  tokens: number;
}

/** Arithmetic mean; NaN for no values, since a mean over nothing is undefined. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Adds loss totals of several batches or examples. */
export function addLossTotals(parts: readonly LossTotals[]): LossTotals {
  return parts.reduce((sum, part) => ({ nll: sum.nll + part.nll, tokens: sum.tokens + part.tokens }), { nll: 0, tokens: 0 });
}

/** Mean loss per token: total NLL / total tokens (per token, not per example, so long answers weigh more). */
export function meanTokenLoss(totals: LossTotals): number {
  return totals.tokens > 0 ? totals.nll / totals.tokens : Number.NaN;
}

/** Perplexity = exp(total NLL / total tokens). */
export function perplexity(totals: LossTotals): number {
  return Math.exp(meanTokenLoss(totals));
}
