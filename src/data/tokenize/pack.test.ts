import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import { fitToMaxLength } from './max-length.js';
import { packExamples, packingEfficiency } from './pack.js';

const example = (ids: number[], trainedFrom: number) => ({ inputIds: ids, labels: ids.map((id, i) => (i >= trainedFrom ? id : -100)) });

describe('packExamples', () => {
  it('fills rows in order, restarts positions, numbers segments and masks each first label', () => {
    const rows = packExamples([example([1, 2, 3], 1), example([4, 5], 0), example([6, 7, 8, 9], 2), example([10], 0)], 6);
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [
        { inputIds: [1, 2, 3, 4, 5], labels: [-100, 2, 3, -100, 5], positionIds: [0, 1, 2, 0, 1], segmentIds: [1, 1, 1, 2, 2], lengths: [3, 2], members: [0, 1] },
        { inputIds: [6, 7, 8, 9, 10], labels: [-100, -100, 8, 9, -100], positionIds: [0, 1, 2, 3, 0], segmentIds: [1, 1, 1, 1, 2], lengths: [4, 1], members: [2, 3] },
      ],
    );
    assert.equal(packingEfficiency(rows, 6), 0.8333);
  });

  it('refuses an example longer than the row', () => {
    assert.throws(() => packExamples([example([1, 2, 3], 0)], 2), TunaInputError);
  });
});

describe('fitToMaxLength', () => {
  const long = example([1, 2, 3, 4, 5], 3);
  it('keeps short examples and drops or cuts long ones', () => {
    assert.equal(fitToMaxLength(long, 5, 'drop').kind, 'kept');
    assert.deepEqual(fitToMaxLength(long, 4, 'drop'), { kind: 'dropped', reason: 'too-long' });
    assert.deepEqual(fitToMaxLength(long, 4, 'truncate'), { kind: 'truncated', example: { inputIds: [1, 2, 3, 4], labels: [-100, -100, -100, 4] } });
  });
  it('drops what has nothing left to train', () => {
    assert.deepEqual(fitToMaxLength(long, 3, 'truncate'), { kind: 'dropped', reason: 'nothing-trained' });
    assert.deepEqual(fitToMaxLength(example([1, 2], 2), 8, 'drop'), { kind: 'dropped', reason: 'nothing-trained' });
  });
});
