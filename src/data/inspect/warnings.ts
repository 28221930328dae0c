/** How many line numbers a report lists for each finding. */
export const LINES_LISTED = 10;

export type WarningCode =
  | 'skipped-lines'
  | 'bad-records'
  | 'duplicates'
  | 'empty-answer'
  | 'empty-prompt'
  | 'no-trained-message'
  | 'render-failed'
  | 'all-labels-masked'
  | 'no-eos'
  | 'eos-unlearnable'
  | 'prompt-too-long'
  | 'over-max-length'
  | 'above-model-positions'
  | 'boundary-merge'
  | 'no-separator'
  | 'truncated'
  | 'dropped';

export interface DatasetWarning {
  code: WarningCode;
  message: string;
  count: number;
  /** The first LINES_LISTED lines (or rows) concerned. */
  lines: number[];
}

/** Counts findings and keeps the first LINES_LISTED lines, in constant memory. */
export class LineCollector {
  count = 0;
  readonly lines: number[] = [];

  add(line: number): void {
    this.count++;
    if (this.lines.length < LINES_LISTED) this.lines.push(line);
  }
}

/** A warning when anything was collected (`message` follows the count), else none. */
export function warningFor(code: WarningCode, message: string, found: LineCollector): DatasetWarning[] {
  return found.count === 0 ? [] : [{ code, message: `${found.count} ${message}`, count: found.count, lines: [...found.lines] }];
}
