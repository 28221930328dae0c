import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspectDataset } from './inspect.js';
import { characterCount, lengthStats } from './length-stats.js';
import { textHistogram } from './length-tally.js';
import { readDataset } from '../load/read-dataset.js';
import type { Dataset } from '../load/read-dataset.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../../fixtures/data', name);

describe('inspectDataset', () => {
  it('reports counts, fields, duplicates, lengths and warnings of a messy file', async () => {
    const report = inspectDataset(await readDataset(fixture('messy-qa.jsonl'), { skipBad: true }));
    assert.equal(report.format, 'question-answer');
    assert.equal(report.records, 7);
    assert.equal(report.examples, 6);
    assert.equal(report.skippedLines, 1);
    assert.deepEqual(report.problems, { count: 1, first: [{ line: 7, message: 'field "question" is a number (7), expected text' }] });
    assert.deepEqual(report.fields, [
      { name: 'question', filled: 6, empty: 1, missing: 0, fillRate: 0.8571 },
      { name: 'answer', filled: 6, empty: 1, missing: 0, fillRate: 0.8571 },
      { name: 'tag', filled: 1, empty: 1, missing: 5, fillRate: 0.1429 },
    ]);
    assert.deepEqual(report.duplicates, { count: 1, lines: [2] });
    assert.deepEqual(report.chars, {
      prompt: { count: 6, min: 0, p50: 6, p95: 12, max: 12, mean: 7.7 },
      answer: { count: 6, min: 1, p50: 2, p95: 14, max: 14, mean: 3.8 },
      total: { count: 6, min: 8, p50: 13, p95: 14, max: 14, mean: 11.5 },
    });
    assert.equal(report.tokens, null);
    assert.deepEqual(
      report.warnings.map((w) => [w.code, w.lines]),
      [
        ['skipped-lines', [5]],
        ['bad-records', [7]],
        ['duplicates', [2]],
        ['empty-answer', [4]],
        ['empty-prompt', [3]],
      ],
    );
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  });

  it('warns about conversations with nothing to train', () => {
    const dataset: Dataset = {
      file: 'chat.jsonl',
      unit: 'line',
      format: 'messages',
      records: [],
      skipped: [],
      problems: [],
      examples: [
        {
          line: 1,
          example: {
            kind: 'chat',
            messages: [
              { role: 'user', content: 'Hi' },
              { role: 'assistant', content: 'Hello', weight: 0 },
            ],
          },
        },
      ],
    };
    const report = inspectDataset(dataset);
    assert.deepEqual(report.warnings.map((w) => w.code), ['no-trained-message']);
    assert.deepEqual(report.chars.prompt, { count: 1, min: 7, p50: 7, p95: 7, max: 7, mean: 7 });
  });
});

describe('length helpers', () => {
  it('count code points, not UTF-16 units', () => {
    assert.equal(characterCount('a😀é'), 3);
    assert.equal(characterCount('\ud800'), 1);
  });

  it('compute nearest-rank percentiles', () => {
    assert.deepEqual(lengthStats([5, 1, 4, 2, 3, 10, 6, 7, 8, 9]), { count: 10, min: 1, p50: 5, p95: 10, max: 10, mean: 5.5 });
    assert.deepEqual(lengthStats([]), { count: 0, min: 0, p50: 0, p95: 0, max: 0, mean: 0 });
  });

  it('draw a text histogram', () => {
    assert.equal(textHistogram([1, 2, 2, 3, 3, 3, 10], { bins: 3, width: 6 }), ' 1-4 | ###### 6\n 5-8 | 0\n9-12 | # 1');
    assert.equal(textHistogram([4, 4], { bins: 5, width: 4 }), '4 | #### 2');
    assert.equal(textHistogram([]), '(no values)');
  });
});
