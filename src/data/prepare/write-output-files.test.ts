import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeOutputFiles } from './write-output-files.js';

const root = mkdtemp(join(tmpdir(), 'tuna-write-'));
after(async () => rm(await root, { recursive: true, force: true }));

async function* failingRows(): AsyncGenerator<unknown> {
  yield { ok: 1 };
  throw new Error('disk on fire');
}

describe('writeOutputFiles', () => {
  it('writes every file of the set', async () => {
    const folder = join(await root, 'prepared');
    const paths = await writeOutputFiles(folder, [
      { name: 'train.jsonl', rows: [{ x: 1 }] },
      { name: 'report.json', text: '{}\n' },
    ]);
    assert.deepEqual(paths, [join(folder, 'train.jsonl'), join(folder, 'report.json')]);
    assert.deepEqual((await readdir(folder)).sort(), ['report.json', 'train.jsonl']);
  });

  it('leaves nothing behind when one file fails, removing a folder it created', async () => {
    const folder = join(await root, 'never');
    await assert.rejects(
      writeOutputFiles(folder, [
        { name: 'train.jsonl', rows: [{ x: 1 }] },
        { name: 'test.jsonl', rows: failingRows() },
      ]),
      /disk on fire/,
    );
    assert.deepEqual(await readdir(await root).then((names) => names.includes('never')), false);
  });

  it('keeps existing files of an existing folder intact on failure', async () => {
    const folder = await mkdtemp(join(await root, 'existing-'));
    await writeFile(join(folder, 'train.jsonl'), 'previous\n');
    await assert.rejects(
      writeOutputFiles(folder, [
        { name: 'train.jsonl', rows: [{ x: 2 }] },
        { name: 'test.jsonl', rows: failingRows() },
      ]),
    );
    assert.deepEqual(await readdir(folder), ['train.jsonl']);
    assert.equal(await readFile(join(folder, 'train.jsonl'), 'utf8'), 'previous\n');
  });

  it('refuses names with folders and repeated names', async () => {
    await assert.rejects(writeOutputFiles(await root, [{ name: '../x.jsonl', text: '' }]), /plain file name/);
    await assert.rejects(
      writeOutputFiles(await root, [
        { name: 'a', text: '' },
        { name: 'a', text: '' },
      ]),
      /listed twice/,
    );
  });
});
