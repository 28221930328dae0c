import { applyColumnMap } from '../format/column-map.js';
import type { ColumnMap } from '../format/column-map.js';
import { detectFormat } from '../format/dataset-format.js';
import type { DatasetFormat } from '../format/dataset-format.js';
import type { LocatedExample } from '../format/example.js';
import { loadRecords } from './load-records.js';
import { normalizeRecords } from '../format/normalize-records.js';
import type { RecordIssue } from '../format/normalize-records.js';
import type { TemplateFields } from '../format/normalize-record.js';
import type { LoadOptions, LoadedRecord, PositionUnit, SkippedLine } from './records.js';

export interface ReadDatasetOptions extends LoadOptions {
  /** Field -> column renames applied before detection (CLI `--map field=column`). */
  map?: ColumnMap;
  /** Skip detection and use this format. */
  format?: DatasetFormat;
  /** For a user template: read exactly its fields (implies format "fields"). */
  template?: TemplateFields;
}

/** A data file read, renamed, detected and normalised. */
export interface Dataset {
  file: string;
  unit: PositionUnit;
  format: DatasetFormat;
  /** Records after column renames, for field statistics. */
  records: LoadedRecord[];
  examples: LocatedExample[];
  /** Records that do not fit the format (kept out of `examples`). */
  problems: RecordIssue[];
  /** Malformed lines skipped with `skipBad`. */
  skipped: SkippedLine[];
}

/** Loads a data file and turns its records into typed examples; see loadRecords and detectFormat. */
export async function readDataset(file: string, options: ReadDatasetOptions = {}): Promise<Dataset> {
  const loaded = await loadRecords(file, options);
  const map = options.map ?? {};
  const records = loaded.records.map(({ value, line }) => ({ value: applyColumnMap(value, map), line }));
  const format = options.template ? 'fields' : (options.format ?? detectFormat(records, file));
  const { examples, problems } = normalizeRecords(records, format, {
    file,
    unitName: loaded.unit,
    ...(options.template ? { template: options.template } : {}),
  });
  return { file, unit: loaded.unit, format, records, examples, problems, skipped: loaded.skipped };
}
