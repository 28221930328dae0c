import { TunaInputError } from '../../errors.js';
import type { DatasetFormat } from './dataset-format.js';
import type { LocatedExample } from './example.js';
import { normalizeRecord } from './normalize-record.js';
import type { TemplateFields } from './normalize-record.js';
import { RecordProblem } from './record-fields.js';
import type { LoadedRecord } from '../load/records.js';

/** A record that does not fit the format, with its line (or Parquet row). */
export interface RecordIssue {
  line: number;
  message: string;
}

export interface NormalizedRecords {
  examples: LocatedExample[];
  problems: RecordIssue[];
}

/** How many problems an all-records-failed error lists. */
export const PROBLEMS_SHOWN = 5;

/**
 * Normalises every record; records that do not fit are returned as problems, not thrown.
 * If no record fits at all, that is a TunaInputError listing the first problems.
 */
export function normalizeRecords(
  records: readonly LoadedRecord[],
  format: DatasetFormat,
  options: { file?: string; template?: TemplateFields; unitName?: string } = {},
): NormalizedRecords {
  const examples: LocatedExample[] = [];
  const problems: RecordIssue[] = [];
  for (const { value, line } of records) {
    try {
      examples.push({ example: normalizeRecord(value, format, options.template), line });
    } catch (error) {
      if (!(error instanceof RecordProblem)) throw error;
      problems.push({ line, message: error.message });
    }
  }
  if (examples.length === 0 && problems.length > 0) throw noRecordFits(options.file, format, records.length, problems, options.unitName);
  return { examples, problems };
}

/** The error for a file where no record fits the format; lists the first problems. */
export function noRecordFits(file: string | undefined, format: DatasetFormat, records: number, problems: readonly RecordIssue[], unitName = 'line'): TunaInputError {
  const listed = problems
    .slice(0, PROBLEMS_SHOWN)
    .map((p) => `${unitName} ${p.line}: ${p.message}`)
    .join('; ');
  return new TunaInputError(
    `${file ?? 'the data'}: none of the ${records} records fits the "${format}" format (${listed}). ` +
      'Check the format (--format) and the column names (--map field=column).',
  );
}
