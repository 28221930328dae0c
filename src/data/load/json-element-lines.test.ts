import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonArrayElementLines } from './json-element-lines.js';

describe('jsonArrayElementLines', () => {
  it('ignores brackets, commas and escaped quotes inside strings', () => {
    const text = '[\n{"a": "x, [y] \\"}"},\n\n  {"b": [1,\n2]}, "s",\n3\n]';
    assert.deepEqual(jsonArrayElementLines(text, null), [2, 4, 5, 6]);
  });

  it('finds the array under a given key, skipping other arrays', () => {
    const text = '{"other": [1, 2],\n "nested": {"data": [9]},\n "data": [\n  {"x": 1},\n  {"x": 2}]}';
    assert.deepEqual(jsonArrayElementLines(text, 'data'), [4, 5]);
  });

  it('returns nothing for an empty array', () => {
    assert.deepEqual(jsonArrayElementLines('[ ]', null), []);
  });
});
