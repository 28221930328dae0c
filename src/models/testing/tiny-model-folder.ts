// Tiny random model folders (`tuna init-model --preset tiny`) in a temporary folder that is
// removed when the test file ends; each architecture is written once per test file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { initModel, type InitArchitecture } from '../init-model.js';

let root: Promise<string> | null = null;
const folders = new Map<string, Promise<string>>();

// Registered when the test file imports this module, so it runs once the whole file is done.
after(async () => {
  if (root) await rm(await root, { recursive: true, force: true });
});

export function tempRoot(): Promise<string> {
  root ??= mkdtemp(join(tmpdir(), 'tuna-models-'));
  return root;
}

/** The folder of a tiny `arch` model drawn with `seed`. */
export function tinyModelFolder(arch: InitArchitecture, seed = 0): Promise<string> {
  const key = `${arch}-${seed}`;
  let folder = folders.get(key);
  if (!folder) {
    folder = tempRoot().then(async (dir) => (await initModel({ arch, preset: 'tiny', out: join(dir, key), seed })).dir);
    folders.set(key, folder);
  }
  return folder;
}
