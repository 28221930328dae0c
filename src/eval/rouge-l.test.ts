import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lcsLength, rougeL, rougeTokens } from './rouge-l.js';

function assertClose(actual: number, expected: number, places = 7): void {
  assert.ok(Math.abs(actual - expected) < 0.5 * 10 ** -places, `${actual} is not ${expected} to ${places} places`);
}

function assertScore(actual: { precision: number; recall: number; fmeasure: number }, p: number, r: number, f: number, places = 7): void {
  assertClose(actual.precision, p, places);
  assertClose(actual.recall, r, places);
  assertClose(actual.fmeasure, f, places);
}

// Expected values from google-research/google-research rouge/rouge_scorer_test.py. rouge-score
// calls score(target, prediction); here the order is rougeL(prediction, reference).
describe('rougeL against rouge-score\'s own tests', () => {
  it('testRougeLConsecutive', () => {
    assertScore(rougeL('testing one', 'testing one two'), 1, 2 / 3, 4 / 5);
  });

  it('testRougeLNonConsecutive', () => {
    assertScore(rougeL('testing two', 'testing one two'), 1, 2 / 3, 4 / 5);
  });

  it('testRougeEmpty, and a prediction made only of non-word characters', () => {
    assertScore(rougeL('', 'testing one two'), 0, 0, 0);
    assertScore(rougeL('/', 'w1 w2 w3 w4 w5'), 0, 0, 0);
    assertScore(rougeL('w1', ''), 0, 0, 0);
  });

  it('testLcsTable: LCS lengths', () => {
    assert.equal(lcsLength([1, 2, 3, 4, 5], [2, 5, 3, 4]), 3);
    assert.equal(lcsLength([1, 2, 3, 4, 5], [8, 9]), 0);
  });
});

describe('rougeTokens (rouge-score tokenize without a stemmer)', () => {
  it('lowercases and turns every non [a-z0-9] run into a break', () => {
    assert.deepEqual(rougeTokens("It's 3:45 p.m. -- Café_au_lait!"), ['it', 's', '3', '45', 'p', 'm', 'caf', 'au', 'lait']);
    assert.deepEqual(rougeTokens('  \n '), []);
  });
});

describe('lcsLength', () => {
  it('is symmetric and handles empty sides', () => {
    assert.equal(lcsLength(['a', 'b', 'c', 'b', 'd', 'a', 'b'], ['b', 'd', 'c', 'a', 'b', 'a']), 4);
    assert.equal(lcsLength(['b', 'd', 'c', 'a', 'b', 'a'], ['a', 'b', 'c', 'b', 'd', 'a', 'b']), 4);
    assert.equal(lcsLength([], ['a']), 0);
  });
});
