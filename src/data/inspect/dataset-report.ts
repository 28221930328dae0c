// What `inspect` reports about a dataset, as plain JSON-able types.
import type { DatasetFormat } from '../format/dataset-format.js';
import type { LengthReport } from './length-stats.js';
import type { RecordIssue } from '../format/normalize-records.js';
import type { PositionUnit } from '../load/records.js';
import type { TokenReport } from './token-inspector.js';
import type { DatasetWarning } from './warnings.js';

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
