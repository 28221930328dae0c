// Evaluation: text metrics, base-versus-fine-tuned comparison, reports and the loss chart.
export * from './metrics.js';
export {
  changeDirection,
  compareOutputs,
  formatChange,
  formatMetricValue,
  formatSummaryTable,
  mostDifferentExamples,
  summarizeComparison,
  summaryCells,
} from './compare.js';
export type { ComparedExample, Comparison, DifferingExample, DifferingOptions, SummaryMetric, SummaryRow } from './compare.js';
export { lossCurveSvg } from './loss-chart.js';
export type { LossChartOptions, LossCurvePoint } from './loss-chart.js';
export { parseMetricsLog, readMetricsLog } from './metrics-log.js';
export type { TrainingLogLine } from './metrics-log.js';
export { renderReport, writeReport } from './report.js';
export type { ReportInput } from './report.js';
export { escapeMarkup } from './escape-markup.js';
