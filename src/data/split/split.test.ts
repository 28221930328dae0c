import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import { exampleKey } from '../format/example.js';
import type { LocatedExample } from '../format/example.js';
import { mulberry32, shuffledIndices } from './prng.js';
import { splitTrainTest, splitWithTestSet, testCount } from './split.js';

const pairs = (answers: string[]): LocatedExample[] =>
  answers.map((answer, i) => ({ example: { kind: 'pair', prompt: `q${answer}`, answer }, line: i + 1 }));
const byExample = (item: LocatedExample): string => exampleKey(item.example);

describe('mulberry32 and Fisher-Yates', () => {
  // Pinned with an independent big-integer implementation of the same algorithms.
  it('produce the reference streams', () => {
    const next = mulberry32(42);
    assert.deepEqual([next(), next(), next(), next()], [2581720956, 1925393290, 3661312704, 2876485805]);
    assert.deepEqual(shuffledIndices(10, 42), [0, 7, 3, 5, 2, 1, 8, 9, 4, 6]);
    assert.deepEqual(shuffledIndices(12, 1234), [2, 3, 5, 1, 4, 6, 10, 11, 8, 9, 7, 0]);
  });
});

describe('splitTrainTest', () => {
  const items = pairs(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);

  it('gives fixed test indices for a fixed seed', () => {
    const split = splitTrainTest(items, { testSize: 0.3, seed: 42, key: byExample });
    assert.deepEqual(split.testIndices, [0, 3, 7]);
    assert.deepEqual(split.trainIndices, [1, 2, 4, 5, 6, 8, 9]);
    assert.deepEqual(
      split.test.map((x) => x.line),
      [1, 4, 8],
    );
    assert.deepEqual(splitTrainTest(items, { testSize: 3, seed: 7, key: byExample }).testIndices, [5, 6, 8]);
  });

  it('is the same on every call and differs with the seed', () => {
    const a = splitTrainTest(items, { testSize: 0.3, seed: 42, key: byExample });
    assert.deepEqual(splitTrainTest(items, { testSize: 0.3, seed: 42, key: byExample }), a);
    assert.notDeepEqual(splitTrainTest(items, { testSize: 0.3, seed: 43, key: byExample }).testIndices, a.testIndices);
  });

  it('removes duplicates first, so none crosses the split', () => {
    const withDuplicates = pairs(['a', 'b', 'a', 'c', 'b', 'd', 'a', 'e', 'f', 'c']);
    for (let seed = 0; seed < 20; seed++) {
      const split = splitTrainTest(withDuplicates, { testSize: 0.4, seed, key: byExample });
      const trainKeys = new Set(split.train.map(byExample));
      assert.ok(split.test.every((x) => !trainKeys.has(byExample(x))), `seed ${seed}`);
      assert.equal(split.train.length + split.test.length, 6);
      assert.equal(split.test.length, 3);
    }
    const split = splitTrainTest(withDuplicates, { testSize: 2, seed: 1, key: byExample });
    assert.deepEqual(split.duplicates, [
      { index: 2, firstIndex: 0 },
      { index: 4, firstIndex: 1 },
      { index: 6, firstIndex: 0 },
      { index: 9, firstIndex: 3 },
    ]);
  });

  it('checks the test size', () => {
    assert.equal(testCount(0.1, 10), 1);
    assert.equal(testCount(0.25, 10), 3);
    assert.equal(testCount(0, 10), 0);
    assert.throws(() => testCount(10, 10), (e: Error) => e instanceof TunaInputError && /none to train on/.test(e.message));
    assert.throws(() => testCount(1.5, 10), /fraction between 0 and 1/);
    assert.throws(() => testCount(-0.1, 10), /fraction between 0 and 1/);
    assert.throws(() => splitTrainTest(items, { testSize: 0.1, seed: 0.5, key: byExample }), /whole number/);
  });
});

describe('splitWithTestSet', () => {
  it('drops train examples that the test file also holds', () => {
    const train = pairs(['a', 'b', 'c', 'b']);
    const test = pairs(['c', 'x', 'x']);
    const split = splitWithTestSet(train, test, byExample);
    assert.deepEqual(
      split.train.map((x) => (x.example as { answer: string }).answer),
      ['a', 'b'],
    );
    assert.deepEqual(split.removedFromTrain, [2]);
    assert.deepEqual(split.trainDuplicates, [{ index: 3, firstIndex: 1 }]);
    assert.deepEqual(split.testDuplicates, [{ index: 2, firstIndex: 1 }]);
    assert.equal(split.test.length, 2);
  });
});
