import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TunaInputError } from '../../errors.js';
import { dequantizeBlockwise8bit, quantizeBlockwise8bit } from './blockwise-8bit.js';
import { decodeF32, decodeU8, firstDifference, nf4Fixture } from './test-utils/nf4-fixture.js';

describe('quantizeBlockwise8bit', () => {
  for (const fixture of nf4Fixture.blockwise_8bit_cases) {
    it(`matches the reference: ${fixture.name}`, () => {
      const quantized = quantizeBlockwise8bit(decodeF32(fixture.input_f32), { blocksize: fixture.blocksize });
      const codeMismatch = firstDifference(quantized.codes, decodeU8(fixture.codes_u8));
      assert.equal(codeMismatch, -1, `first differing code at ${codeMismatch}`);
      assert.equal(firstDifference(quantized.absmax, decodeF32(fixture.absmax_f32)), -1);
      const dequantized = dequantizeBlockwise8bit(quantized);
      assert.equal(firstDifference(dequantized, decodeF32(fixture.dequantized_f32), 1e-6), -1);
    });
  }

  it('gives an all-zero block absmax 0 and dequantizes it to zeros', () => {
    const quantized = quantizeBlockwise8bit(new Float32Array(300), { blocksize: 256 });
    assert.deepEqual([...quantized.absmax], [0, 0]);
    assert.ok(dequantizeBlockwise8bit(quantized).every((value) => value === 0));
  });

  it('rejects block sizes bitsandbytes does not accept', () => {
    for (const blocksize of [0, 32, 100, 8192]) {
      assert.throws(() => quantizeBlockwise8bit(new Float32Array(4), { blocksize }), (error: Error) => {
        assert.ok(error instanceof TunaInputError);
        assert.match(error.message, new RegExp(`is ${blocksize}; bitsandbytes accepts one of 64, 128, 256`));
        return true;
      });
    }
  });

  it('rejects an unsorted code book and non-finite input', () => {
    assert.throws(() => quantizeBlockwise8bit(new Float32Array(4), { code: Float32Array.of(0, -1, 1) }), /sorted ascending; entry 1/);
    assert.throws(() => quantizeBlockwise8bit(Float32Array.of(1, Number.NaN)), /element 1 is NaN/);
  });

  it('checks the absmax count when dequantizing', () => {
    assert.throws(
      () => dequantizeBlockwise8bit({ codes: new Uint8Array(300), absmax: new Float32Array(1), blocksize: 256 }),
      /need 2 absmax values, got 1/,
    );
  });
});
