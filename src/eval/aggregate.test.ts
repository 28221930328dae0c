import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addLossTotals, mean, meanTokenLoss, perplexity } from './aggregate.js';
import { scoreOutput } from './score-output.js';

describe('aggregation', () => {
  it('means over examples, NaN over none', () => {
    assert.equal(mean([0, 1, 0.5]), 0.5);
    assert.ok(Number.isNaN(mean([])));
  });

  it('perplexity is exp(total NLL / total tokens), weighting batches by their tokens', () => {
    const totals = addLossTotals([
      { nll: 2 * Math.log(8), tokens: 2 },
      { nll: 6 * Math.log(2), tokens: 2 },
    ]);
    assert.deepEqual(totals.tokens, 4);
    // (2 ln 8 + 6 ln 2) / 4 = 12 ln 2 / 4 = 3 ln 2, so perplexity 8 (not the mean of 8 and 8).
    assert.ok(Math.abs(meanTokenLoss(totals) - 3 * Math.log(2)) < 1e-12);
    assert.ok(Math.abs(perplexity(totals) - 8) < 1e-9);
    assert.ok(Number.isNaN(perplexity({ nll: 0, tokens: 0 })));
  });
});

describe('scoreOutput', () => {
  it('scores one output against a reference or the best of several', () => {
    assert.deepEqual(scoreOutput('The Eiffel Tower', 'Eiffel Tower.'), { exactMatch: 1, f1: 1, rougeL: 0.8 });
    const best = scoreOutput('Paris', ['London', 'paris']);
    assert.deepEqual(best, { exactMatch: 1, f1: 1, rougeL: 1 });
  });
});
