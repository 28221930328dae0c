import { TunaInputError } from '../../errors.js';
import { jsonErrorLocation, jsonErrorReason } from './json-position.js';
import type { LoadOptions, LoadedRecord } from './records.js';
import { readUtf8Lines } from './utf8-text.js';

function badLineMessage(file: string, line: number, text: string, error: Error): string {
  const where = jsonErrorLocation(error.message, text);
  const column = where ? `, column ${where.column}` : '';
  let message = `${file}:${line}${column}: not valid JSON (${jsonErrorReason(error.message)}).`;
  if (line === 1 && /^\s*\[\s*$|^\s*\{\s*$/.test(text)) {
    message += ' The file looks like one JSON document spread over many lines: name it .json instead of .jsonl.';
  }
  return `${message} Fix the line, or pass --skip-bad to skip malformed lines.`;
}

/**
 * Streams the records of a JSONL file, one JSON value per line, with 1-based line numbers.
 * Blank lines are ignored. Malformed lines throw, or are skipped and reported with `skipBad`.
 */
export async function* readJsonlRecords(file: string, options: LoadOptions = {}): AsyncGenerator<LoadedRecord> {
  for await (const { text, line } of readUtf8Lines(file)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const message = badLineMessage(file, line, text, error as Error);
      if (!options.skipBad) throw new TunaInputError(message);
      options.onSkip?.({ line, message });
      continue;
    }
    yield { value, line };
  }
}
