import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { TunaInputError } from '../../errors.js';
import { readCsvRecords } from './load-csv.js';
import { readJsonRecords } from './load-json.js';
import { readJsonlRecords } from './load-jsonl.js';
import { readParquetRecords } from './load-parquet.js';
import type { LoadOptions, LoadResult, LoadedRecord, PositionUnit, SkippedLine } from './records.js';

/** File kinds Tuna reads, keyed by extension. */
export const DATA_EXTENSIONS = ['.jsonl', '.json', '.csv', '.parquet'] as const;
export type DataExtension = (typeof DATA_EXTENSIONS)[number];

function dataExtension(file: string): DataExtension {
  const extension = extname(file).toLowerCase();
  if ((DATA_EXTENSIONS as readonly string[]).includes(extension)) return extension as DataExtension;
  throw new TunaInputError(
    `${file}: cannot read files of type "${extension || '(no extension)'}". ` +
      `Use one of ${DATA_EXTENSIONS.join(', ')} (rename the file if its content is one of these).`,
  );
}

/** The position unit the loader for `file` reports. */
export function positionUnit(file: string): PositionUnit {
  return dataExtension(file) === '.parquet' ? 'row' : 'line';
}

/**
 * Streams the records of a data file, choosing the loader by extension.
 * Does not check for emptiness; `loadRecords` does.
 */
export async function* readRecords(file: string, options: LoadOptions = {}): AsyncGenerator<LoadedRecord> {
  switch (dataExtension(file)) {
    case '.jsonl':
      yield* readJsonlRecords(file, options);
      return;
    case '.json':
      yield* await readJsonRecords(file);
      return;
    case '.csv':
      yield* readCsvRecords(file, options);
      return;
    case '.parquet':
      yield* readParquetRecords(file);
      return;
  }
}

/** The size of a data file in bytes; a missing or unreadable file is a TunaInputError. */
export async function checkReadable(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new TunaInputError(`${file}: is not a file.`);
    return info.size;
  } catch (error) {
    if (error instanceof TunaInputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TunaInputError(`${file}: no such file. Check the path.`);
    throw new TunaInputError(`${file}: cannot read (${code ?? (error as Error).message}).`);
  }
}

/** The error for a file that yielded no record. */
export function noRecords(file: string, skipped: number): TunaInputError {
  const why = skipped > 0 ? `all ${skipped} non-blank lines were malformed and skipped` : 'it holds no records';
  return new TunaInputError(`${file}: no records to read (${why}).`);
}

/** Fails on an empty (0-byte) or unreadable file before any record is read. */
export async function checkNotEmpty(file: string): Promise<void> {
  if ((await checkReadable(file)) === 0) throw new TunaInputError(`${file}: the file is empty (0 bytes). Point to a file that holds records.`);
}

/**
 * Reads every record of a .jsonl, .json, .csv or .parquet file into memory.
 * An empty file, or one whose every line was skipped, is a TunaInputError.
 */
export async function loadRecords(file: string, options: LoadOptions = {}): Promise<LoadResult> {
  const unit = positionUnit(file);
  await checkNotEmpty(file);
  const skipped: SkippedLine[] = [];
  const records: LoadedRecord[] = [];
  const onSkip = (line: SkippedLine): void => {
    skipped.push(line);
    options.onSkip?.(line);
  };
  for await (const record of readRecords(file, { ...options, onSkip })) records.push(record);
  if (records.length === 0) throw noRecords(file, skipped.length);
  return { file, unit, records, skipped };
}
