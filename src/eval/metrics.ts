// Text metrics for generated answers (SQuAD exact match and F1, ROUGE-L) and loss aggregation.
export { addLossTotals, mean, meanTokenLoss, perplexity } from './aggregate.js';
export type { LossTotals } from './aggregate.js';
export { fMeasure, lcsLength, rougeL, rougeTokens } from './rouge-l.js';
export type { RougeScore } from './rouge-l.js';
export { EXAMPLE_METRICS, scoreOutput } from './score-output.js';
export type { ExampleMetrics } from './score-output.js';
export { answerTokens, bestOverReferences, exactMatch, normalizeAnswer, tokenF1 } from './squad-metrics.js';
