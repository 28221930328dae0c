import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerTokens, bestOverReferences, exactMatch, normalizeAnswer, tokenF1 } from './squad-metrics.js';

describe('normalizeAnswer (SQuAD normalize_answer)', () => {
  it('lowercases, drops ASCII punctuation and articles, collapses whitespace', () => {
    assert.equal(normalizeAnswer('  The Quick,  brown fox!\n'), 'quick brown fox');
    assert.equal(normalizeAnswer('A cat and an owl'), 'cat and owl');
    assert.equal(normalizeAnswer("Levi's Stadium"), 'levis stadium');
  });

  it('removes punctuation before articles, so "the." and "(a)" are articles too', () => {
    assert.equal(normalizeAnswer('the. end (a)'), 'end');
  });

  it('keeps articles inside words, with word boundaries that know non-ASCII letters', () => {
    assert.equal(normalizeAnswer('theatre another ant'), 'theatre another ant');
    // Python's \b sees "é" as a word character, so "thé" and "éthe" are not articles.
    assert.equal(normalizeAnswer('thé éthe the'), 'thé éthe');
    // A combining mark is not a word character in Python either: "the" + U+0301 loses "the".
    assert.equal(normalizeAnswer('the\u0301'), '\u0301');
  });

  it('keeps non-ASCII punctuation, which string.punctuation does not list', () => {
    assert.equal(normalizeAnswer('«Paris»—France'), '«paris»—france');
  });

  it('splits on the whitespace Python str.split() knows, not JavaScript\'s \\s', () => {
    assert.deepEqual(answerTokens('one\u00a0two\u3000three\x1cfour'), ['one', 'two', 'three', 'four']);
    assert.deepEqual(answerTokens('one\ufefftwo'), ['one\ufefftwo']);
    assert.deepEqual(answerTokens(''), []);
    assert.deepEqual(answerTokens('the a an'), []);
  });
});

describe('exactMatch and tokenF1', () => {
  // allenai/allennlp-models tests/rc/metrics/squad_em_and_f1_test.py (the official SQuAD
  // functions, max over references): EM 0 and F1 0.75 for the first pair; means 1/2 and
  // 1.75/2 over both pairs.
  const cases = [
    { prediction: 'this is the best span', references: ['this is a good span', 'something irrelevant'] },
    { prediction: 'this is another span', references: ['this is another span', 'this one is less perfect'] },
  ];

  it('matches allennlp-models\' SQuAD EM/F1 test values', () => {
    const em = cases.map((c) => bestOverReferences(exactMatch, c.prediction, c.references));
    const f1 = cases.map((c) => bestOverReferences(tokenF1, c.prediction, c.references));
    assert.deepEqual(em, [0, 1]);
    assert.equal(f1[0], 0.75);
    assert.equal((f1[0]! + f1[1]!) / 2, 1.75 / 2);
  });

  it('counts repeated tokens as a multiset (collections.Counter intersection)', () => {
    // common = min(3,1) of "x" + min(1,1) of "y" = 2; P = 2/4, R = 2/2, F1 = 2/3.
    assert.equal(tokenF1('x x x y', 'x y'), 2 / 3);
  });

  it('scores empty answers as evaluate-v2.0.py does: 1 when both are empty, else 0', () => {
    assert.equal(tokenF1('', 'The'), 1);
    assert.equal(tokenF1('', 'Paris'), 0);
    assert.equal(tokenF1('Paris', ''), 0);
    assert.equal(exactMatch('The.', ''), 1);
    assert.equal(bestOverReferences(tokenF1, '', []), 1);
  });

  it('ignores case, punctuation and articles in exact match', () => {
    assert.equal(exactMatch('The Eiffel Tower.', 'eiffel tower'), 1);
    assert.equal(exactMatch('Eiffel Tower', 'Eiffel Towers'), 0);
  });
});
