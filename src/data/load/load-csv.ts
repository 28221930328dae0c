import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { TunaInputError } from '../../errors.js';
import type { LoadOptions, LoadedRecord } from './records.js';
import { readUtf8Lines } from './utf8-text.js';

interface CsvRow {
  record: Record<string, string>;
  info: { lines: number };
}

// Lines are fed to csv-parse with LF endings, so CRLF inside quoted fields becomes LF too.
async function* joinedLines(file: string): AsyncGenerator<string> {
  for await (const { text } of readUtf8Lines(file)) yield `${text}\n`;
}

function countNewlines(record: Record<string, string>): number {
  let count = 0;
  for (const value of Object.values(record)) {
    for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) count++;
  }
  return count;
}

function csvLine(error: CsvError): number | undefined {
  return typeof error.lines === 'number' ? error.lines : undefined;
}

function csvMessage(file: string, error: CsvError): string {
  const line = csvLine(error);
  const reason = error.message.replace(/\s*(?:at|on) line \d+\s*$/, '').replace(/\.$/, '');
  return `${file}${line === undefined ? '' : `:${line}`}: ${reason}.`;
}

// Repeated or blank header names would silently drop a column.
function checkHeader(file: string, header: string[]): string[] {
  const seen = new Set<string>();
  header.forEach((name, index) => {
    if (name.trim() === '') throw new TunaInputError(`${file}:1: column ${index + 1} of the header has no name. Name every column.`);
    if (seen.has(name)) throw new TunaInputError(`${file}:1: the header names column "${name}" twice. Give each column its own name.`);
    seen.add(name);
  });
  return header;
}

/**
 * Streams the records of a CSV file (header row, quoted fields, embedded newlines).
 * Each record is an object keyed by header name, with the line on which the record starts.
 */
export async function* readCsvRecords(file: string, options: LoadOptions = {}): AsyncGenerator<LoadedRecord> {
  const parser = parse({
    columns: (header: string[]) => checkHeader(file, header),
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: options.skipBad === true,
    on_skip: (error) => {
      if (!error) return undefined;
      const line = csvLine(error) ?? 0;
      options.onSkip?.({ line, message: `${csvMessage(file, error)} Skipped (--skip-bad).` });
      return undefined;
    },
  });
  const source = Readable.from(joinedLines(file));
  // Errors from reading (such as bytes that are not UTF-8) must end the parse, not hang it.
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  try {
    for await (const row of parser as AsyncIterable<CsvRow>) {
      // info.lines is the line where the record ends; a record spans one line per embedded newline.
      yield { value: row.record, line: row.info.lines - countNewlines(row.record) };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      throw new TunaInputError(
        `${csvMessage(file, error)} Check the quoting and the number of fields on that line, or pass --skip-bad to skip such lines.`,
      );
    }
    throw error;
  } finally {
    source.destroy();
  }
}
