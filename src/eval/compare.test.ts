import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeDirection, compareOutputs, formatChange, formatSummaryTable, mostDifferentExamples, summarizeComparison } from './compare.js';
import type { ComparedExample } from './compare.js';

function example(base: [number, number, number], tuned: [number, number, number]): ComparedExample {
  const metrics = ([exactMatch, f1, rougeL]: [number, number, number]) => ({ exactMatch, f1, rougeL });
  return { prompt: 'p', reference: 'r', baseOutput: 'b', tunedOutput: 't', base: metrics(base), tuned: metrics(tuned) };
}

describe('summarizeComparison', () => {
  const examples = [example([0, 0.5, 0.4], [1, 1, 1]), example([0, 0, 0.2], [0, 0.5, 0.4])];

  it('means each text metric over examples and takes per-token loss and perplexity from totals', () => {
    const rows = summarizeComparison({
      examples,
      baseLoss: { nll: 4 * Math.log(20), tokens: 4 },
      tunedLoss: { nll: 4 * Math.log(5), tokens: 4 },
    });
    assert.deepEqual(rows.map((r) => r.metric), ['exactMatch', 'f1', 'rougeL', 'loss', 'perplexity']);
    assert.deepEqual([rows[0]!.base, rows[0]!.tuned, rows[0]!.change], [0, 0.5, 0.5]);
    assert.ok(Math.abs(rows[2]!.base - 0.3) < 1e-12 && Math.abs(rows[2]!.tuned - 0.7) < 1e-12);
    assert.ok(Math.abs(rows[4]!.base - 20) < 1e-9 && Math.abs(rows[4]!.tuned - 5) < 1e-9);
    assert.equal(changeDirection(rows[4]!), 'better');
    assert.equal(changeDirection(rows[0]!), 'better');
  });

  it('leaves loss rows out without both totals', () => {
    assert.equal(summarizeComparison({ examples, baseLoss: { nll: 1, tokens: 1 } }).length, 3);
  });

  it('prints an aligned terminal table with signed changes', () => {
    const rows = summarizeComparison({
      examples,
      baseLoss: { nll: 4 * Math.log(20), tokens: 4 },
      tunedLoss: { nll: 4 * Math.log(5), tokens: 4 },
    });
    assert.equal(
      formatSummaryTable(rows),
      [
        'Metric              Base  Fine-tuned   Change',
        '----------------  ------  ----------  -------',
        'Exact match        0.000       0.500   +0.500',
        'Token F1           0.250       0.750   +0.500',
        'ROUGE-L            0.300       0.700   +0.400',
        'Loss (per token)  2.9957      1.6094  -1.3863',
        'Perplexity         20.00        5.00   -15.00',
        '',
      ].join('\n'),
    );
  });

  it('prints "n/a" for an empty test set and never "-0.000"', () => {
    const [row] = summarizeComparison({ examples: [] });
    assert.equal(formatChange(row!), 'n/a');
    const tiny = { metric: 'f1' as const, label: 'Token F1', base: 0.5, tuned: 0.5 - 1e-6, change: -1e-6, higherIsBetter: true };
    assert.equal(formatChange(tiny), '0.000');
    assert.equal(changeDirection(tiny), 'same');
  });
});

describe('mostDifferentExamples', () => {
  const examples = [
    example([0, 0.2, 0.2], [0, 0.3, 0.3]), // +0.1
    example([0, 0.9, 0.9], [0, 0.1, 0.1]), // -0.8
    example([0, 0.5, 0.5], [0, 0.5, 0.5]), // no difference: left out
    example([0, 0.1, 0.1], [0, 0.6, 0.6]), // +0.5
    example([0, 0.2, 0.5], [0, 0.9, 0.5]), // ROUGE-L equal, F1 differs: ranked last by ROUGE-L
  ];

  it('orders by absolute ROUGE-L difference and keeps the sign', () => {
    const picked = mostDifferentExamples(examples, { count: 10 });
    assert.deepEqual(picked.map((e) => e.index), [1, 3, 0, 4]);
    assert.ok(Math.abs(picked[0]!.difference + 0.8) < 1e-12);
  });

  it('can rank by F1 and limits the count', () => {
    const picked = mostDifferentExamples(examples, { by: 'f1', count: 2 });
    assert.deepEqual(picked.map((e) => e.index), [1, 4]);
  });
});

describe('compareOutputs', () => {
  it('scores both outputs against the reference', () => {
    const [scored] = compareOutputs([{ prompt: 'Capital of France?', reference: 'Paris', baseOutput: 'London', tunedOutput: 'Paris.' }]);
    assert.deepEqual(scored!.base, { exactMatch: 0, f1: 0, rougeL: 0 });
    assert.deepEqual(scored!.tuned, { exactMatch: 1, f1: 1, rougeL: 1 });
  });
});
