import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import { prepareDataset } from './prepare-dataset.js';
import type { PrepareOptions } from './prepare-dataset.js';
import type { PackedRecord, PreparedRecord } from './prepared-record.js';
import { IGNORE_LABEL } from '../tokenize/segments.js';
import { tinyTokenizer } from '../testing/tiny-tokenizers.js';
import { writePreparedDataset } from './write-prepared.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../../fixtures/data', name);
const file = fixture('prepare-qa.jsonl');
const tokenizer = tinyTokenizer('llama');
const prepare = (options: Partial<PrepareOptions> = {}) => prepareDataset(file, { tokenizer, testSize: 3, maxLength: 80, ...options });
const lines = (records: { line: number }[]) => records.map((r) => r.line);

describe('prepareDataset', () => {
  it('splits the same way for the same seed, and no duplicate crosses the split', async () => {
    const first = await prepare({ seed: 5 });
    const again = await prepare({ seed: 5 });
    const other = await prepare({ seed: 6 });
    const train = first.train as PreparedRecord[];
    assert.deepEqual(lines(train), lines(again.train as PreparedRecord[]));
    assert.deepEqual(lines(first.test), lines(again.test));
    assert.notDeepEqual(lines(first.test), lines(other.test));
    assert.equal(first.report.split.duplicatesRemoved, 2);
    assert.deepEqual([first.report.split.train, first.report.split.test], [7, 3]);
    const trainTexts = new Set(train.map((r) => r.text));
    assert.ok(first.test.every((r) => !trainTexts.has(r.text)));
    assert.ok(![5, 9].some((line) => [...lines(train), ...lines(first.test)].includes(line)), 'the later copies are the ones dropped');
  });

  it('keeps text, prompt, reference, ids and labels; the prompt ids are those of generation', async () => {
    const { train } = await prepare({ maxLength: 2048 });
    for (const record of train as PreparedRecord[]) {
      const promptIds = tokenizer.encode(record.prompt);
      assert.deepEqual(record.input_ids.slice(0, promptIds.length), promptIds);
      assert.ok(record.labels.slice(0, promptIds.length).every((l) => l === IGNORE_LABEL));
      assert.equal(tokenizer.decode(record.labels.filter((l) => l !== IGNORE_LABEL)), `${record.reference}</s>`);
      assert.equal(record.text, record.prompt + record.reference);
    }
  });

  it('drops or truncates examples over the maximum length, and says so', async () => {
    const dropped = await prepare({ testSize: 0, truncation: 'drop' });
    assert.deepEqual(dropped.report.train.dropped.tooLong, { count: 1, lines: [8] });
    assert.equal(dropped.report.input.tokens!.overMaxLength, 1);
    assert.deepEqual(dropped.report.train.warnings.map((w) => w.code), ['dropped']);
    const cut = await prepare({ testSize: 0, truncation: 'truncate' });
    const record = (cut.train as PreparedRecord[]).find((r) => r.line === 8)!;
    assert.equal(record.truncated, true);
    assert.equal(record.input_ids.length, 80);
    assert.deepEqual(cut.report.train.truncated, { count: 1, lines: [8] });
    assert.deepEqual(cut.report.train.warnings.map((w) => [w.code, w.lines]), [['truncated', [8]], ['no-eos', [8]]]);
    await assert.rejects(prepare({ maxLength: 10 }), (e: unknown) => e instanceof TunaInputError && /no training example is left/.test(e.message));
  });

  it('packs train rows with positions and segments; test stays one example per line', async () => {
    const { train, test, report } = await prepare({ pack: true, maxLength: 128, truncation: 'truncate' });
    const rows = train as PackedRecord[];
    assert.ok(rows.length < report.train.examples);
    assert.equal(report.train.packing!.rows, rows.length);
    assert.equal(report.train.records, rows.length);
    for (const row of rows) {
      assert.ok(row.input_ids.length <= 128);
      assert.equal(row.lengths.reduce((a, b) => a + b, 0), row.input_ids.length);
      assert.equal(row.text.length, row.lengths.length);
      assert.deepEqual(row.position_ids, row.lengths.flatMap((n) => Array.from({ length: n }, (_, i) => i)));
      assert.deepEqual(row.segment_ids, row.lengths.flatMap((n, s) => new Array<number>(n).fill(s + 1)));
    }
    assert.ok(test.every((r) => !('segment_ids' in r)));
  });

  it('uses a given test file: train examples also in it are dropped', async () => {
    const { report, test, train } = await prepare({ testFile: fixture('prepare-qa-test.jsonl') });
    assert.deepEqual([report.split.train, report.split.test, report.split.removedFromTrain], [9, 2, 1]);
    assert.equal(test.length, 2);
    assert.ok(!(train as PreparedRecord[]).some((r) => r.reference === 'Hello world.'));
    assert.equal(report.settings.testSize, null);
  });

  it('trains on the inputs when asked', async () => {
    const { train } = await prepare({ trainOnInputs: true });
    for (const record of train as PreparedRecord[]) assert.deepEqual(record.labels, record.input_ids);
  });

  it('writes the four files, with a report that matches what was written', async () => {
    const out = await mkdtemp(join(tmpdir(), 'tuna-prepared-'));
    after(() => rm(out, { recursive: true, force: true }));
    const prepared = await prepare();
    await writePreparedDataset(out, prepared);
    assert.deepEqual((await readdir(out)).sort(), ['report.json', 'report.md', 'test.jsonl', 'train.jsonl']);
    const train = (await readFile(join(out, 'train.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as PreparedRecord);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    assert.equal(train.length, report.train.examples);
    assert.equal(report.train.tokens.total.max, Math.max(...train.map((r) => r.input_ids.length)));
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /^# Prepared data\n/);
  });
});
