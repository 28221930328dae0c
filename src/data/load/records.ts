/** One record read from a data file, before any format is applied. */
export interface LoadedRecord {
  /** The parsed value: usually an object of column -> value. */
  value: unknown;
  /** 1-based line where the record starts (JSONL, JSON, CSV) or 1-based row (Parquet). */
  line: number;
}

/** A line skipped because it was malformed and `skipBad` was set. */
export interface SkippedLine {
  line: number;
  message: string;
}

/** Whether record positions count text lines or table rows. */
export type PositionUnit = 'line' | 'row';

export interface LoadOptions {
  /** Skip malformed lines (bad JSON, wrong CSV column count) instead of failing; they are counted. */
  skipBad?: boolean;
  /** Called for every skipped line, as it is skipped. */
  onSkip?: (skipped: SkippedLine) => void;
}

/** Everything read from one file. */
export interface LoadResult {
  file: string;
  unit: PositionUnit;
  records: LoadedRecord[];
  skipped: SkippedLine[];
}

/** `data.jsonl:12` for text files, `data.parquet row 12` for Parquet. */
export function describePosition(file: string, unit: PositionUnit, line: number): string {
  return unit === 'line' ? `${file}:${line}` : `${file} row ${line}`;
}
