import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import { loadRecords, readRecords } from './load-records.js';
import { writeTinyParquet } from '../testing/tiny-parquet.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../../fixtures/data', name);

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TunaInputError, `expected TunaInputError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('loadRecords: JSONL', () => {
  it('reads records with 1-based line numbers, ignoring blank lines', async () => {
    const result = await loadRecords(fixture('qa.jsonl'));
    assert.equal(result.unit, 'line');
    assert.deepEqual(
      result.records.map((r) => r.line),
      [1, 2, 4],
    );
    assert.deepEqual(result.records[1]!.value, { question: 'Does it need Python?', answer: 'No.' });
  });

  it('drops a BOM and CRLF endings and keeps non-ASCII text', async () => {
    const { records } = await loadRecords(fixture('bom-crlf.jsonl'));
    assert.deepEqual(
      records.map((r) => r.value),
      [
        { prompt: 'Say hi', completion: ' hi' },
        { prompt: 'Café ☕', completion: ' été' },
      ],
    );
  });

  it('names file, line and --skip-bad for a malformed line', async () => {
    await rejectsWith(loadRecords(fixture('malformed.jsonl')), /malformed\.jsonl:3, column \d+: not valid JSON .*--skip-bad/);
  });

  it('skips and counts malformed lines with skipBad', async () => {
    const result = await loadRecords(fixture('malformed.jsonl'), { skipBad: true });
    assert.deepEqual(
      result.records.map((r) => r.line),
      [1, 2, 4],
    );
    assert.equal(result.skipped.length, 1);
    assert.equal(result.skipped[0]!.line, 3);
  });

  it('rejects bytes that are not UTF-8, naming the line', async () => {
    await rejectsWith(loadRecords(fixture('latin1.jsonl')), /latin1\.jsonl:2: the file is not valid UTF-8/);
  });

  it('rejects empty and blank files', async () => {
    await rejectsWith(loadRecords(fixture('empty.jsonl')), /empty\.jsonl: the file is empty \(0 bytes\)/);
    await rejectsWith(loadRecords(fixture('blank.jsonl')), /blank\.jsonl: no records to read \(it holds no records\)/);
  });

  it('streams with readRecords', async () => {
    const lines: number[] = [];
    for await (const record of readRecords(fixture('text.jsonl'))) lines.push(record.line);
    assert.deepEqual(lines, [1, 2]);
  });
});

describe('loadRecords: JSON', () => {
  it('reads an array and gives the line where each record starts', async () => {
    const { records } = await loadRecords(fixture('alpaca.json'));
    assert.equal(records.length, 3);
    assert.deepEqual(
      records.map((r) => r.line),
      [2, 7, 12],
    );
    assert.deepEqual(records[0]!.value, { instruction: 'Give a synonym.', input: 'happy', output: 'glad' });
  });

  it('reads the single array field of an object', async () => {
    const { records } = await loadRecords(fixture('wrapped.json'));
    assert.equal(records.length, 2);
    assert.equal(records[0]!.line, 10);
  });

  it('refuses an object with two array fields', async () => {
    await rejectsWith(loadRecords(fixture('two-arrays.json')), /exactly one array field \(found array fields: "train", "test"\)/);
  });

  it('reports where a JSON document breaks', async () => {
    await rejectsWith(loadRecords(fixture('broken.json')), /broken\.json:3:\d+: not valid JSON/);
  });
});

describe('loadRecords: CSV', () => {
  it('reads a header, BOM, CRLF and a quoted field with an embedded newline', async () => {
    const { records } = await loadRecords(fixture('qa.csv'));
    assert.deepEqual(
      records.map((r) => r.value),
      [
        { question: 'What is CSV?', answer: 'Comma separated values.' },
        { question: 'Multi-line, quoted?', answer: 'First line\nsecond line' },
        { question: 'Quote?', answer: 'She said "hi"' },
      ],
    );
    assert.deepEqual(
      records.map((r) => r.line),
      [2, 3, 5],
    );
  });

  it('names the line with the wrong number of fields, or skips it', async () => {
    await rejectsWith(loadRecords(fixture('bad-columns.csv')), /bad-columns\.csv:3: .*--skip-bad/);
    const result = await loadRecords(fixture('bad-columns.csv'), { skipBad: true });
    assert.deepEqual(
      result.records.map((r) => r.line),
      [2, 4],
    );
    assert.equal(result.skipped[0]!.line, 3);
  });

  it('refuses a header that names a column twice', async () => {
    await rejectsWith(loadRecords(fixture('dup-header.csv')), /dup-header\.csv:1: the header names column "question" twice/);
  });

  it('rejects a header without records and bytes that are not UTF-8', async () => {
    await rejectsWith(loadRecords(fixture('header-only.csv')), /no records to read/);
    await rejectsWith(loadRecords(fixture('latin1.csv')), /latin1\.csv:3: the file is not valid UTF-8/);
  });
});

describe('loadRecords: Parquet', () => {
  const folder = mkdtemp(join(tmpdir(), 'tuna-parquet-'));
  after(async () => rm(await folder, { recursive: true, force: true }));

  it('reads rows as objects with 1-based row numbers', async () => {
    const file = join(await folder, 'qa.parquet');
    await writeFile(
      file,
      writeTinyParquet([
        { name: 'question', type: 'string', values: ['What?', 'Pourquoi é?', 'Who'] },
        { name: 'answer', type: 'string', values: ['That.', null, 'Me'] },
        { name: 'votes', type: 'int64', values: [1n, 2n, -3n] },
      ]),
    );
    const result = await loadRecords(file);
    assert.equal(result.unit, 'row');
    assert.deepEqual(result.records, [
      { value: { question: 'What?', answer: 'That.', votes: 1 }, line: 1 },
      { value: { question: 'Pourquoi é?', answer: null, votes: 2 }, line: 2 },
      { value: { question: 'Who', answer: 'Me', votes: -3 }, line: 3 },
    ]);
  });

  it('rejects text that is not UTF-8, an empty table and a file that is not Parquet', async () => {
    const bad = join(await folder, 'bad.parquet');
    await writeFile(bad, writeTinyParquet([{ name: 'text', type: 'string', values: ['ok', Uint8Array.of(0x63, 0xe9)] }]));
    await rejectsWith(loadRecords(bad), /bad\.parquet rows 1-2: .*not valid UTF-8/);
    const empty = join(await folder, 'empty.parquet');
    await writeFile(empty, writeTinyParquet([{ name: 'text', type: 'string', values: [] }]));
    await rejectsWith(loadRecords(empty), /no records to read/);
    const fake = join(await folder, 'fake.parquet');
    await writeFile(fake, 'not parquet at all');
    await rejectsWith(loadRecords(fake), /fake\.parquet: not a readable Parquet file/);
  });
});

describe('loadRecords: file kinds', () => {
  it('refuses unknown extensions and missing files', async () => {
    await rejectsWith(loadRecords(fixture('unknown.txt')), /cannot read files of type "\.txt"\. Use one of \.jsonl, \.json, \.csv, \.parquet/);
    await rejectsWith(loadRecords(fixture('missing.jsonl')), /missing\.jsonl: no such file/);
  });
});
