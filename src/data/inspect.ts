import type { DatasetFormat } from './dataset-format.js';
import { DatasetInspector } from './dataset-inspector.js';
import type { LengthStats } from './length-stats.js';
import type { RecordIssue } from './normalize-records.js';
import type { Dataset } from './read-dataset.js';
import type { PositionUnit } from './records.js';
import type { TokenReport } from './token-inspector.js';
import type { DatasetWarning } from './warnings.js';

export { LINES_LISTED } from './warnings.js';
export type { DatasetWarning, WarningCode } from './warnings.js';

export interface FieldReport {
  name: string;
  /** Records with a non-empty value. */
  filled: number;
  /** Records where the field is null, "" (or blank), [] or {}. */
  empty: number;
  /** Records without the field. */
  missing: number;
  /** filled / records, 4 decimals. */
  fillRate: number;
}

/** Length statistics of untrained text, trained text and both, per example. */
export interface LengthReport {
  prompt: LengthStats;
  answer: LengthStats;
  total: LengthStats;
}

/** A plain JSON-able description of a dataset at the character level, and at the token level with a tokenizer. */
export interface DatasetReport {
  file: string;
  unit: PositionUnit;
  format: DatasetFormat;
  records: number;
  examples: number;
  skippedLines: number;
  problems: { count: number; first: RecordIssue[] };
  fields: FieldReport[];
  duplicates: { count: number; lines: number[] };
  /** Characters (code points) of each example's own text, before any template. */
  chars: LengthReport;
  /** Token counts and samples of the rendered examples: filled in by the tokenizer-aware inspection, null without one. */
  tokens: TokenReport | null;
  warnings: DatasetWarning[];
}

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
