import type { DatasetReport, FieldReport } from './dataset-report.js';
import { DatasetInspector } from './dataset-inspector.js';
import type { Dataset } from '../load/read-dataset.js';
import type { TokenReport } from './token-inspector.js';
import type { DatasetWarning } from './warnings.js';

export { LINES_LISTED } from './warnings.js';
export type { DatasetWarning, WarningCode } from './warnings.js';

export type { DatasetReport, FieldReport } from './dataset-report.js';
export type { LengthReport } from './length-stats.js';

/** Fill counts for every top-level field, in order of first appearance. */
export function fieldReports(values: readonly unknown[]): FieldReport[] {
  const inspector = new DatasetInspector();
  values.forEach((value) => inspector.addRecord(value));
  return inspector.fieldReports();
}

/** Inspects a dataset read by readDataset; `tokens` is a TokenInspector's report (inspectFile does both and streams). */
export function inspectDataset(dataset: Dataset, tokens: { report: TokenReport; warnings: DatasetWarning[] } | null = null): DatasetReport {
  const inspector = new DatasetInspector();
  dataset.records.forEach((record) => inspector.addRecord(record.value));
  dataset.skipped.forEach((skipped) => inspector.addSkipped(skipped));
  dataset.problems.forEach((problem) => inspector.addProblem(problem));
  dataset.examples.forEach((example) => inspector.addExample(example));
  return inspector.report(dataset, tokens);
}
