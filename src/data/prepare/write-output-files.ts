import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TunaInputError } from '../../errors.js';
import { writeJsonlRows, writeTemp } from './write-atomic.js';
import type { Rows } from './write-atomic.js';

/** One file of an output set: JSONL rows or plain text (a JSON report, a README). */
export type OutputFile = { name: string; rows: Rows } | { name: string; text: string };

function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || basename(name) !== name || name.includes('\\')) {
    throw new TunaInputError(`output file name "${name}" must be a plain file name, without folders.`);
  }
}

async function folderExists(folder: string): Promise<boolean> {
  try {
    await readdir(folder);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes a set of files into `folder` (created if needed) so that a failure leaves nothing
 * half-written: every file goes to a temp name first, and only when all are complete are they
 * renamed into place. On failure the temps, and the folder if this call created it and it is
 * empty, are removed. Resolves to the written paths.
 */
export async function writeOutputFiles(folder: string, files: readonly OutputFile[]): Promise<string[]> {
  files.forEach((file) => checkName(file.name));
  const duplicate = files.find((file, i) => files.findIndex((other) => other.name === file.name) !== i);
  if (duplicate) throw new TunaInputError(`output file "${duplicate.name}" is listed twice.`);
  const existed = await folderExists(folder);
  await mkdir(folder, { recursive: true });
  const temps: string[] = [];
  try {
    for (const file of files) {
      const path = join(folder, file.name);
      temps.push(await writeTemp(path, (handle) => ('rows' in file ? writeJsonlRows(handle, file.rows) : handle.writeFile(file.text))));
    }
    const finals = files.map((file) => join(folder, file.name));
    for (let i = 0; i < temps.length; i++) await rename(temps[i]!, finals[i]!);
    return finals;
  } catch (error) {
    await Promise.all(temps.map((temp) => rm(temp, { force: true })));
    if (!existed) await rmdir(folder).catch(() => {});
    throw error;
  }
}
