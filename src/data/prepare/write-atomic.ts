import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Records to write, one JSON value per line. */
export type Rows = Iterable<unknown> | AsyncIterable<unknown>;

/** Lines are gathered into chunks of about this many characters before each write. */
const CHUNK_CHARS = 1 << 20;

/** A hidden temp name next to `path`, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function jsonLine(row: unknown, index: number): string {
  const text = JSON.stringify(row);
  if (text === undefined) throw new TypeError(`row ${index + 1} cannot be written as JSON (${typeof row}).`);
  return `${text}\n`;
}

/** Writes rows as JSONL into an open file. */
export async function writeJsonlRows(handle: FileHandle, rows: Rows): Promise<number> {
  let chunk = '';
  let count = 0;
  for await (const row of rows) {
    chunk += jsonLine(row, count++);
    if (chunk.length >= CHUNK_CHARS) {
      await handle.write(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') await handle.write(chunk);
  return count;
}

/** Writes a temp file with `fill`, flushed to disk, and returns its path; removes it on failure. */
export async function writeTemp(path: string, fill: (handle: FileHandle) => Promise<unknown>): Promise<string> {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'wx');
  try {
    await fill(handle);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/**
 * Writes JSONL to `path` atomically: a temp file in the same folder, then a rename. Readers see
 * the old file or the complete new one, never a half-written one. Resolves to the row count.
 */
export async function writeJsonlAtomic(path: string, rows: Rows): Promise<number> {
  let count = 0;
  const temp = await writeTemp(path, async (handle) => {
    count = await writeJsonlRows(handle, rows);
  });
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return count;
}
