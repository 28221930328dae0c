import { TunaInputError } from '../../errors.js';
import { dedupe } from './dedupe.js';
import type { Duplicate } from './dedupe.js';
import { shuffledIndices } from './prng.js';

export interface SplitOptions<T> {
  /** A fraction in (0, 1) of the unique items (rounded up), or a whole count >= 1; 0 means no test set. */
  testSize: number;
  seed: number;
  /** Equal keys mean duplicate items (for examples: `(x) => exampleKey(x.example)`). */
  key: (item: T) => string;
}

export interface SplitResult<T> {
  train: T[];
  test: T[];
  /** Indices into the input, ascending. */
  trainIndices: number[];
  testIndices: number[];
  /** Exact duplicates dropped before splitting. */
  duplicates: Duplicate[];
}

/** How many of `unique` items go to the test set. */
export function testCount(testSize: number, unique: number): number {
  if (!Number.isFinite(testSize) || testSize < 0 || (testSize >= 1 && !Number.isInteger(testSize))) {
    throw new TunaInputError(`--test-size ${testSize}: use a fraction between 0 and 1 (0.1 = 10%) or a whole number of examples.`);
  }
  const count = testSize < 1 ? Math.ceil(testSize * unique) : testSize;
  if (count >= unique) {
    throw new TunaInputError(
      `--test-size ${testSize}: asks for ${count} test examples but there are only ${unique} unique examples, which would leave none to train on. Use a smaller test size.`,
    );
  }
  return count;
}

/**
 * Reproducible train/test split. Exact duplicates are removed first (the first occurrence is kept),
 * so no test item also appears in train. The unique items are shuffled with Fisher-Yates driven by
 * mulberry32(seed); the first `testCount` shuffled items form the test set. Both sets keep input order.
 */
export function splitTrainTest<T>(items: readonly T[], options: SplitOptions<T>): SplitResult<T> {
  const { unique, duplicates } = dedupe(items, options.key);
  const count = testCount(options.testSize, unique.length);
  const order = shuffledIndices(unique.length, options.seed);
  const testIndices = order
    .slice(0, count)
    .map((i) => unique[i]!)
    .sort((a, b) => a - b);
  const inTest = new Set(testIndices);
  const trainIndices = unique.filter((i) => !inTest.has(i));
  return {
    train: trainIndices.map((i) => items[i]!),
    test: testIndices.map((i) => items[i]!),
    trainIndices,
    testIndices,
    duplicates,
  };
}

export interface GivenTestSplit<T> {
  train: T[];
  test: T[];
  /** Duplicates within the train file and within the test file, as indices into each. */
  trainDuplicates: Duplicate[];
  testDuplicates: Duplicate[];
  /** Indices of train items dropped because the test file holds the same example. */
  removedFromTrain: number[];
}

/** Uses a user-given test set: both sets are deduplicated, and train items also in test are dropped. */
export function splitWithTestSet<T>(train: readonly T[], test: readonly T[], key: (item: T) => string): GivenTestSplit<T> {
  const testUnique = dedupe(test, key);
  const testKeys = new Set(testUnique.unique.map((i) => key(test[i]!)));
  const trainUnique = dedupe(train, key);
  const kept: number[] = [];
  const removedFromTrain: number[] = [];
  for (const i of trainUnique.unique) (testKeys.has(key(train[i]!)) ? removedFromTrain : kept).push(i);
  return {
    train: kept.map((i) => train[i]!),
    test: testUnique.unique.map((i) => test[i]!),
    trainDuplicates: trainUnique.duplicates,
    testDuplicates: testUnique.duplicates,
    removedFromTrain,
  };
}
