import { TextDecoder } from 'node:util';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { TunaInputError } from '../../errors.js';
import type { LoadedRecord } from './records.js';

const ROWS_PER_READ = 1000;

class NotUtf8Error extends Error {}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Text columns are decoded strictly, like the text formats; hyparquet's default would insert U+FFFD.
function stringFromBytes(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes) return undefined;
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new NotUtf8Error('not UTF-8');
  }
}

/** Parquet values made JSON-friendly: safe int64 -> number, others -> string; dates -> ISO text. */
export function toPlainValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlainValue);
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toPlainValue(inner)]));
  }
  return value;
}

async function openParquet(file: string): Promise<{ buffer: AsyncBuffer; metadata: FileMetaData }> {
  const buffer = await asyncBufferFromFile(file);
  try {
    return { buffer, metadata: await parquetMetadataAsync(buffer) };
  } catch (error) {
    throw new TunaInputError(`${file}: not a readable Parquet file (${(error as Error).message}).`);
  }
}

/** Streams the rows of a Parquet file as objects keyed by column name, with 1-based row numbers. */
export async function* readParquetRecords(file: string): AsyncGenerator<LoadedRecord> {
  const { buffer, metadata } = await openParquet(file);
  const rowCount = Number(metadata.num_rows);
  for (let rowStart = 0; rowStart < rowCount; rowStart += ROWS_PER_READ) {
    const rowEnd = Math.min(rowStart + ROWS_PER_READ, rowCount);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, rowFormat: 'object', parsers: { stringFromBytes } });
    } catch (error) {
      if (error instanceof NotUtf8Error) {
        throw new TunaInputError(
          `${file} rows ${rowStart + 1}-${rowEnd}: a text column holds bytes that are not valid UTF-8. Rewrite the column as UTF-8 text.`,
        );
      }
      throw new TunaInputError(`${file} rows ${rowStart + 1}-${rowEnd}: cannot read Parquet data (${(error as Error).message}).`);
    }
    for (let i = 0; i < rows.length; i++) yield { value: toPlainValue(rows[i]), line: rowStart + i + 1 };
  }
}
