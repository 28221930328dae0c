import { readFile } from 'node:fs/promises';
import { TunaInputError } from '../../errors.js';
import { jsonArrayElementLines } from './json-element-lines.js';
import { jsonErrorLocation, jsonErrorReason } from './json-position.js';
import type { LoadedRecord } from './records.js';
import { decodeUtf8File } from './utf8-text.js';

function parseDocument(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const where = jsonErrorLocation(message, text);
    const position = where ? `:${where.line}:${where.column}` : '';
    throw new TunaInputError(
      `${file}${position}: not valid JSON (${jsonErrorReason(message)}). ` +
        'Fix the file; a file with one JSON record per line must be named .jsonl.',
    );
  }
}

// Accepts [record, ...] or {"anything": [record, ...], ...other non-array fields}.
function findRecordArray(file: string, document: unknown): { items: unknown[]; key: string | null } {
  if (Array.isArray(document)) return { items: document, key: null };
  if (document !== null && typeof document === 'object') {
    const arrayKeys = Object.entries(document).filter(([, value]) => Array.isArray(value));
    if (arrayKeys.length === 1) {
      const [key, items] = arrayKeys[0]!;
      return { items: items as unknown[], key };
    }
    const found = arrayKeys.length === 0 ? 'none' : arrayKeys.map(([key]) => `"${key}"`).join(', ');
    throw new TunaInputError(
      `${file}: expected a JSON array of records, or an object with exactly one array field (found array fields: ${found}). ` +
        'Reshape the file into an array of records, or save it as JSONL with one record per line.',
    );
  }
  throw new TunaInputError(`${file}: expected a JSON array of records, found a single ${typeof document} value.`);
}

/** Reads a .json file holding an array of records (or an object with one array field). */
export async function readJsonRecords(file: string): Promise<LoadedRecord[]> {
  const text = decodeUtf8File(await readFile(file), file);
  if (text.trim() === '') return [];
  const { items, key } = findRecordArray(file, parseDocument(file, text));
  const lines = jsonArrayElementLines(text, key);
  // The scan should always agree with JSON.parse; if not, fall back to record numbers.
  const useLines = lines.length === items.length;
  return items.map((value, index) => ({ value, line: useLines ? lines[index]! : index + 1 }));
}
