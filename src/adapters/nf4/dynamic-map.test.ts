import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TunaInputError } from '../../errors.js';
import { createDynamicMap, defaultDynamicMap, linspaceF32 } from './dynamic-map.js';
import { decodeF32, firstDifference, nf4Fixture } from './test-utils/nf4-fixture.js';

describe('createDynamicMap', () => {
  it('equals the reference map bit for bit', () => {
    const map = createDynamicMap();
    const expected = decodeF32(nf4Fixture.dynamic_map_f32);
    assert.equal(map.length, 256);
    assert.equal(firstDifference(map, expected), -1);
    assert.deepEqual(defaultDynamicMap(), map);
  });

  it('is sorted, spans (-1, 1] and holds an exact zero', () => {
    const map = createDynamicMap();
    for (let i = 1; i < map.length; i++) assert.ok(map[i - 1] < map[i], `entry ${i}`);
    assert.equal(map[255], 1);
    assert.ok(map[0] > -1 && map[0] < -0.99);
    assert.ok(map.includes(0));
  });

  it('builds the unsigned variant with 256 sorted non-negative values', () => {
    const map = createDynamicMap(false);
    assert.equal(map.length, 256);
    assert.ok(map.every((value, i) => value >= 0 && (i === 0 || map[i - 1] <= value)));
  });

  it('rejects settings bitsandbytes cannot build', () => {
    assert.throws(() => createDynamicMap(true, 8, 8), TunaInputError);
    assert.throws(() => createDynamicMap(true, 0, 8), TunaInputError);
  });
});

describe('linspaceF32', () => {
  it('hits both ends exactly and handles 0 or 1 steps', () => {
    const values = linspaceF32(0.1, 1, 65);
    assert.equal(values[0], Math.fround(0.1));
    assert.equal(values[64], 1);
    assert.deepEqual([...linspaceF32(0, 1, 1)], [0]);
    assert.deepEqual([...linspaceF32(0, 1, 0)], []);
  });
});
