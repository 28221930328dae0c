import { it } from 'node:test';
import assert from 'node:assert/strict';
import { pythonFloatRepr } from './python-float-repr.js';
import { nf4Fixture } from './test-utils/nf4-fixture.js';

it('writes floats as Python repr does', () => {
  for (const [value, repr] of nf4Fixture.python_float_repr) assert.equal(pythonFloatRepr(value), repr, `value ${value}`);
  assert.equal(pythonFloatRepr(-0), '-0.0');
  assert.equal(pythonFloatRepr(Number.NaN), 'NaN');
});
