import { readFile } from 'node:fs/promises';
import { TunaInputError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

/** Reads a JSON object file; a missing optional file gives undefined, anything else wrong names the file and line. */
export async function readJsonObject(path: string, options: { optional: true }): Promise<JsonObject | undefined>;
export async function readJsonObject(path: string, options?: { optional?: false }): Promise<JsonObject>;
export async function readJsonObject(path: string, options: { optional?: boolean } = {}): Promise<JsonObject | undefined> {
  const text = await readTextFile(path, options.optional === true);
  if (text === undefined) return undefined;
  return parseJsonObject(text, path);
}

/** Reads a UTF-8 text file; undefined when it is optional and absent. */
export async function readTextFile(path: string, optional: boolean): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && optional) return undefined;
    if (code === 'ENOENT') throw new TunaInputError(`${path}: file not found; a Hugging Face tokenizer folder needs it`);
    throw new TunaInputError(`${path}: cannot read (${code ?? (error as Error).message})`);
  }
}

/** Parses text that must hold one JSON object; errors give file:line:column. */
export function parseJsonObject(text: string, path: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const message = (error as Error).message;
    const where = positionToLineColumn(message, text);
    const reason = message.replace(/\s*(?:in JSON )?at position \d+.*$/s, '');
    throw new TunaInputError(`${path}${where}: not valid JSON (${reason}); fix or re-download the file`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TunaInputError(`${path}: expected a JSON object at the top level`);
  }
  return value as JsonObject;
}

function positionToLineColumn(message: string, text: string): string {
  const match = /at position (\d+)/.exec(message);
  if (!match) return '';
  const position = Math.min(Number(match[1]), text.length);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `:${line}:${column}`;
}
