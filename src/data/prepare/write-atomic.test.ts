import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeJsonlAtomic } from './write-atomic.js';

const root = mkdtemp(join(tmpdir(), 'tuna-atomic-'));
after(async () => rm(await root, { recursive: true, force: true }));

async function* failingRows(): AsyncGenerator<unknown> {
  yield { ok: 1 };
  throw new Error('disk on fire');
}

describe('writeJsonlAtomic', () => {
  it('writes one JSON value per line and replaces the old file', async () => {
    const path = join(await root, 'out.jsonl');
    await writeFile(path, 'old\n');
    assert.equal(await writeJsonlAtomic(path, [{ a: 1 }, { b: 'é\n' }]), 2);
    assert.equal(await readFile(path, 'utf8'), '{"a":1}\n{"b":"é\\n"}\n');
    assert.deepEqual(await readdir(await root), ['out.jsonl']);
  });

  it('leaves the old file and no temp when writing fails', async () => {
    const folder = await mkdtemp(join(await root, 'fail-'));
    const path = join(folder, 'out.jsonl');
    await writeFile(path, 'old\n');
    await assert.rejects(writeJsonlAtomic(path, failingRows()), /disk on fire/);
    await assert.rejects(writeJsonlAtomic(path, [undefined]), /row 1 cannot be written as JSON/);
    assert.equal(await readFile(path, 'utf8'), 'old\n');
    assert.deepEqual(await readdir(folder), ['out.jsonl']);
  });
});
