// tuna prepare on small committed files, run in this process (a child process spends seconds starting).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeTinyModel } from '../../data/testing/tiny-tokenizers.js';
import { tuna } from '../testing/run-cli.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../../fixtures/data', name);
const root = await mkdtemp(join(tmpdir(), 'tuna-prepare-cli-'));
after(() => rm(root, { recursive: true, force: true }));
const model = await writeTinyModel(join(root, 'model'), 'llama');

const listing = async (folder: string) => (await readdir(folder).catch(() => null))?.sort() ?? null;
const readJsonl = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));

describe('tuna prepare', () => {
  it('writes train.jsonl, test.jsonl, report.json and report.md; the split repeats for a seed', async () => {
    const [a, b] = [join(root, 'a'), join(root, 'b')];
    const run = await tuna('prepare', fixture('prepare-qa.jsonl'), '--model', model, '--out', a, '--test-size', '0.25', '--seed', '7');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /train: 7 examples/);
    assert.match(run.stdout, /duplicates removed before the split: 2/);
    assert.deepEqual(await listing(a), ['report.json', 'report.md', 'test.jsonl', 'train.jsonl']);
    assert.equal((await tuna('prepare', fixture('prepare-qa.jsonl'), '--model', model, '--out', b, '--test-size', '0.25', '--seed', '7', '--json')).code, 0);
    for (const name of ['train.jsonl', 'test.jsonl']) assert.equal(await readFile(join(a, name), 'utf8'), await readFile(join(b, name), 'utf8'));
    const train = await readJsonl(join(a, 'train.jsonl'));
    const test = await readJsonl(join(a, 'test.jsonl'));
    assert.equal(test.length, 3);
    assert.ok(test.every((t) => !train.some((r) => r.text === t.text)), 'no test example is also in train');
    for (const record of train) assert.deepEqual(Object.keys(record), ['line', 'text', 'prompt', 'reference', 'prompt_messages', 'input_ids', 'labels']);
  });

  it('packs with --pack and prints the report with --json', async () => {
    const out = join(root, 'packed');
    const run = await tuna('prepare', fixture('prepare-qa.jsonl'), '--model', model, '--out', out, '--pack', '--max-length', '256', '--train-on-inputs', '--json');
    assert.equal(run.code, 0, run.stderr);
    const { report, files } = JSON.parse(run.stdout);
    assert.equal(files.length, 4);
    assert.equal(report.settings.pack, true);
    const rows = await readJsonl(join(out, 'train.jsonl'));
    assert.equal(rows.length, report.train.packing.rows);
    assert.deepEqual(Object.keys(rows[0]), ['lines', 'text', 'prompt', 'input_ids', 'labels', 'position_ids', 'segment_ids', 'lengths']);
  });

  it('exits with 2 on a malformed line and writes nothing; --skip-bad skips and counts it', async () => {
    const out = join(root, 'bad');
    const bad = await tuna('prepare', fixture('prepare-malformed.jsonl'), '--model', model, '--out', out);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /prepare-malformed\.jsonl:3\b.*: not valid JSON/);
    assert.equal(await listing(out), null, 'no output folder');
    const skipped = await tuna('prepare', fixture('prepare-malformed.jsonl'), '--model', model, '--out', out, '--skip-bad', '--json');
    assert.equal(skipped.code, 0, skipped.stderr);
    const { report } = JSON.parse(skipped.stdout);
    assert.equal(report.input.skippedLines, 1);
    assert.deepEqual(report.input.warnings[0].lines, [3]);
  });

  it('leaves an earlier output untouched when a run fails', async () => {
    const out = join(root, 'kept');
    assert.equal((await tuna('prepare', fixture('prepare-qa.jsonl'), '--model', model, '--out', out)).code, 0);
    const before = await readFile(join(out, 'train.jsonl'), 'utf8');
    const failed = await tuna('prepare', fixture('prepare-qa.jsonl'), '--model', model, '--out', out, '--max-length', '8');
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /no training example is left/);
    assert.equal(await readFile(join(out, 'train.jsonl'), 'utf8'), before);
    assert.deepEqual(await listing(out), ['report.json', 'report.md', 'test.jsonl', 'train.jsonl'], 'no temp files left');
  });

  it('exits with 2 on bad options and inputs', async () => {
    const out = join(root, 'never');
    const cases = [
      ['--truncation', 'sideways'],
      ['--test-size', '40'],
      ['--test-size', '1.5'],
      ['--format', 'messages'],
      ['--template', 'chat', '--test-file', fixture('no-such.jsonl')],
    ];
    for (const extra of cases) {
      const run = await tuna('prepare', fixture('prepare-qa.jsonl'), '--model', model, '--out', out, ...extra);
      assert.equal(run.code, 2, `${extra.join(' ')}: ${run.stderr}`);
    }
    assert.equal((await tuna('prepare', fixture('prepare-qa.jsonl'), '--model', join(root, 'no-model'), '--out', out)).code, 2);
    assert.equal((await tuna('prepare', fixture('prepare-qa.jsonl'), '--model', model, '--out', fixture('qa.jsonl'))).code, 2);
    assert.equal(await listing(out), null);
  });
});
