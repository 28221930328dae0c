import type { DatasetReport } from '../inspect/inspect.js';
import type { TruncationPolicy } from '../tokenize/max-length.js';
import type { TokenReport } from '../inspect/token-inspector.js';
import type { DatasetWarning } from '../inspect/warnings.js';

/** Examples counted with their first lines. */
export interface LineCount {
  count: number;
  lines: number[];
}

/** What one output file holds, inspected after the maximum length was applied. */
export interface SplitReport {
  /** Examples written. */
  examples: number;
  /** Lines of the file: examples, or packed rows. */
  records: number;
  truncated: LineCount;
  dropped: { tooLong: LineCount; nothingTrained: LineCount; renderFailed: LineCount };
  /** Packed rows and the share of their room (rows x max length) that holds tokens; null unpacked. */
  packing: { rows: number; efficiency: number } | null;
  /** Token statistics and samples of the written examples. */
  tokens: TokenReport;
  warnings: DatasetWarning[];
}

/** report.json of `tuna prepare`. */
export interface PrepareReport {
  /** The source file: character and token inspection of every example, before the split and the maximum length. */
  input: DatasetReport;
  /** The same for --test-file, when given. */
  testInput: DatasetReport | null;
  settings: {
    model: string | null;
    template: string;
    maxLength: number;
    truncation: TruncationPolicy;
    pack: boolean;
    trainOnInputs: boolean;
    seed: number;
    /** null when a test file was given. */
    testSize: number | null;
    testFile: string | null;
  };
  split: {
    /** Exact duplicates removed before splitting (so no test example is also in train). */
    duplicatesRemoved: number;
    /** Train examples dropped because the test file holds the same example. */
    removedFromTrain: number;
    /** Unique examples on each side, before the maximum length. */
    train: number;
    test: number;
  };
  train: SplitReport;
  test: SplitReport;
}
