import { rougeL } from './rouge-l.js';
import { bestOverReferences, exactMatch, tokenF1 } from './squad-metrics.js';

/** The text metrics of one generated output, each in [0, 1]. */
export interface ExampleMetrics {
  exactMatch: number;
  f1: number;
  rougeL: number;
}

/** Names of the per-example metrics, in the order reports show them. */
export const EXAMPLE_METRICS = ['exactMatch', 'f1', 'rougeL'] as const satisfies readonly (keyof ExampleMetrics)[];

/** Scores a generated output against one reference or the best of several. */
export function scoreOutput(prediction: string, reference: string | readonly string[]): ExampleMetrics {
  const references = typeof reference === 'string' ? [reference] : reference;
  return {
    exactMatch: bestOverReferences(exactMatch, prediction, references),
    f1: bestOverReferences(tokenF1, prediction, references),
    rougeL: bestOverReferences((p, r) => rougeL(p, r).fmeasure, prediction, references),
  };
}
