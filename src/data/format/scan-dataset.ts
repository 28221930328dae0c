import { applyColumnMap } from './column-map.js';
import { DETECTION_SAMPLE, detectFormat, isNonEmptyObject } from './dataset-format.js';
import type { DatasetFormat } from './dataset-format.js';
import type { LocatedExample } from './example.js';
import { checkNotEmpty, noRecords, positionUnit, readRecords } from '../load/load-records.js';
import { normalizeRecord } from './normalize-record.js';
import { noRecordFits, PROBLEMS_SHOWN } from './normalize-records.js';
import type { RecordIssue } from './normalize-records.js';
import type { ReadDatasetOptions } from '../load/read-dataset.js';
import { RecordProblem } from './record-fields.js';
import type { LoadedRecord, PositionUnit, SkippedLine } from '../load/records.js';

/** Called as a file is read; none of them keeps anything unless the caller does. */
export interface ScanHandlers {
  /** Once, when the format is known and before any record is passed on. */
  start?(info: { file: string; unit: PositionUnit; format: DatasetFormat }): void;
  /** Every record, after column renames. */
  record?(record: LoadedRecord): void;
  example(example: LocatedExample): void;
  problem?(issue: RecordIssue): void;
  skipped?(line: SkippedLine): void;
}

/** What a scan saw, in counts. */
export interface DatasetScan {
  file: string;
  unit: PositionUnit;
  format: DatasetFormat;
  records: number;
  examples: number;
  problems: number;
  skipped: number;
}

/**
 * readDataset as a stream: records are renamed, the format is detected from the first
 * DETECTION_SAMPLE non-empty records (held until then), and each record is normalised and handed
 * to `handlers` at once. Memory stays flat for any file size (except .json and .parquet, which
 * their loaders read whole). Fails as readDataset does on empty files and files where nothing fits.
 */
export async function scanDataset(file: string, options: ReadDatasetOptions, handlers: ScanHandlers): Promise<DatasetScan> {
  const unit = positionUnit(file);
  await checkNotEmpty(file);
  const map = options.map ?? {};
  let format: DatasetFormat | undefined = options.template ? 'fields' : options.format;
  const held: LoadedRecord[] = [];
  let candidates = 0;
  const counts = { records: 0, examples: 0, problems: 0, skipped: 0 };
  const firstProblems: RecordIssue[] = [];

  const take = (record: LoadedRecord, as: DatasetFormat): void => {
    counts.records++;
    handlers.record?.(record);
    try {
      handlers.example({ example: normalizeRecord(record.value, as, options.template), line: record.line });
      counts.examples++;
    } catch (error) {
      if (!(error instanceof RecordProblem)) throw error;
      const issue = { line: record.line, message: error.message };
      counts.problems++;
      if (firstProblems.length < PROBLEMS_SHOWN) firstProblems.push(issue);
      handlers.problem?.(issue);
    }
  };
  const settle = (): DatasetFormat => {
    const chosen = format ?? detectFormat(held, file);
    format = chosen;
    handlers.start?.({ file, unit, format: chosen });
    for (const record of held.splice(0)) take(record, chosen);
    return chosen;
  };
  if (format !== undefined) settle();

  const onSkip = (line: SkippedLine): void => {
    counts.skipped++;
    handlers.skipped?.(line);
    options.onSkip?.(line);
  };
  for await (const raw of readRecords(file, { skipBad: options.skipBad, onSkip })) {
    const record = { value: applyColumnMap(raw.value, map), line: raw.line };
    if (format !== undefined) {
      take(record, format);
      continue;
    }
    held.push(record);
    if (isNonEmptyObject(record.value) && ++candidates === DETECTION_SAMPLE) settle();
  }
  if (held.length === 0 && counts.records === 0) throw noRecords(file, counts.skipped);
  const finalFormat = format ?? settle();
  if (counts.examples === 0 && counts.problems > 0) throw noRecordFits(file, finalFormat, counts.records, firstProblems, unit);
  return { file, unit, format: finalFormat, ...counts };
}
