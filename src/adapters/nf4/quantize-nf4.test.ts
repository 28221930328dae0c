import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TunaInputError } from '../../errors.js';
import { dequantizeNf4, nf4BlockAbsmax } from './dequantize-nf4.js';
import { codeMidpoints, nearestCodeIndex } from './nearest-code.js';
import { NF4_TABLE, nearestNf4Code } from './nf4-table.js';
import { quantizeNf4 } from './quantize-nf4.js';
import { decodeF32, decodeU8, firstDifference, nf4Fixture } from './test-utils/nf4-fixture.js';

/** Brute force: smallest distance wins, the lower code on a tie. */
function nearestByDistance(x: number): number {
  let best = 0;
  for (let code = 1; code < 16; code++) {
    if (Math.abs(x - NF4_TABLE[code]) < Math.abs(x - NF4_TABLE[best])) best = code;
  }
  return best;
}

describe('NF4 table', () => {
  it('equals the reference table', () => {
    assert.equal(firstDifference(NF4_TABLE, decodeF32(nf4Fixture.nf4_table_f32)), -1);
  });

  it('maps values to the nearest code', () => {
    let seed = 12345;
    for (let i = 0; i < 20000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const x = Math.fround((seed / 2147483648) * 2.2 - 1.1);
      assert.equal(nearestNf4Code(x), nearestByDistance(Math.max(-1, Math.min(1, x))), `x = ${x}`);
    }
  });
});

/** The float32 values next to x (x is a float32 value). */
function float32Neighbours(x: number): number[] {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  const out: number[] = [];
  for (const step of [-2, -1, 1, 2]) {
    const b = new Int32Array([bits[0]! + (x >= 0 ? step : -step)]);
    out.push(new Float32Array(b.buffer)[0]!);
  }
  return out;
}

describe('nearestNf4Code', () => {
  it('counts the float32 midpoints strictly below x: on and next to every midpoint and bin edge, at the ends and past them', () => {
    const midpoints = codeMidpoints(NF4_TABLE);
    const values = [-1.5, -1.1, -1, 0, 1, 1.1, 1.5, -0, ...NF4_TABLE];
    for (const m of midpoints) values.push(m, ...float32Neighbours(m));
    for (let b = 0; b <= 1024; b++) {
      const edge = Math.fround(-1 + b / 512);
      values.push(edge, ...float32Neighbours(edge));
    }
    for (const x of values) assert.equal(nearestNf4Code(x), nearestCodeIndex(midpoints, x), `x = ${x}`);
  });
});

describe('quantizeNf4', () => {
  for (const fixture of nf4Fixture.nf4_cases) {
    it(`matches the reference: ${fixture.name}`, () => {
      const t = quantizeNf4(decodeF32(fixture.input_f32), fixture.shape, {
        blocksize: fixture.blocksize,
        doubleQuant: fixture.double_quant,
        dtype: fixture.dtype,
      });
      const packedMismatch = firstDifference(t.packed, decodeU8(fixture.packed_u8));
      assert.equal(packedMismatch, -1, `first differing packed byte at ${packedMismatch}`);
      if (t.doubleQuant) {
        assert.equal(firstDifference(t.absmax, decodeU8(fixture.absmax_u8)), -1, 'absmax codes');
        assert.equal(firstDifference(t.nestedAbsmax, decodeF32(fixture.nested_absmax_f32)), -1, 'nested absmax');
        assert.equal(t.nestedOffset, fixture.nested_offset);
        assert.equal(t.nestedBlocksize, 256);
      } else {
        assert.equal(firstDifference(t.absmax, decodeF32(fixture.absmax_f32)), -1, 'absmax');
      }
      const mismatch = firstDifference(dequantizeNf4(t), decodeF32(fixture.dequantized_f32), 1e-6);
      assert.equal(mismatch, -1, `first dequantized value off by more than 1e-6 at ${mismatch}`);
    });
  }

  it('defaults to blocksize 64 with double quantization', () => {
    const weights = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i));
    const t = quantizeNf4(weights, [4, 64]);
    assert.equal(t.blocksize, 64);
    assert.equal(t.doubleQuant, true);
    assert.equal(t.dtype, 'float32');
    assert.equal(t.packed.length, 128);
  });

  it('pads an odd element count with the zero code in the low nibble', () => {
    const t = quantizeNf4(Float32Array.of(1, -1, 1), [3], { doubleQuant: false });
    assert.deepEqual([...t.packed], [0xf0, 0xf7]);
    assert.deepEqual([...dequantizeNf4(t)], [1, -1, 1]);
  });

  it('keeps an all-zero block at absmax 0 and dequantizes it to zeros', () => {
    const weights = new Float32Array(128);
    weights[100] = 0.5;
    const t = quantizeNf4(weights, [128], { doubleQuant: false });
    assert.deepEqual([...t.absmax], [0, 0.5]);
    assert.ok(t.packed.subarray(0, 32).every((byte) => byte === 0x77));
    assert.ok(dequantizeNf4(t).subarray(0, 64).every((value) => value === 0));
  });

  it('recovers the block absmax within 8-bit precision under double quantization', () => {
    const weights = Float32Array.from({ length: 64 * 40 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
    const plain = quantizeNf4(weights, [40, 64], { doubleQuant: false });
    const double = quantizeNf4(weights, [40, 64]);
    const exact = nf4BlockAbsmax(plain);
    const approximate = nf4BlockAbsmax(double);
    for (let i = 0; i < exact.length; i++) assert.ok(Math.abs(exact[i] - approximate[i]) < 0.02 * exact[i], `block ${i}`);
  });

  it('rejects block sizes bitsandbytes does not accept', () => {
    for (const blocksize of [16, 48, 100, 8192]) {
      assert.throws(() => quantizeNf4(new Float32Array(64), [64], { blocksize }), (error: Error) => {
        assert.ok(error instanceof TunaInputError);
        assert.match(error.message, new RegExp(`NF4 blocksize is ${blocksize}; bitsandbytes accepts one of 32, 64, 128`));
        return true;
      });
    }
  });

  it('rejects a shape that does not match, an empty tensor, and non-finite weights', () => {
    assert.throws(() => quantizeNf4(new Float32Array(10), [3, 4]), /shape \[3, 4\] holds 12 elements but 10 were given/);
    assert.throws(() => quantizeNf4(new Float32Array(0), [0, 4]), /empty/);
    const weights = new Float32Array(70);
    weights[66] = Number.POSITIVE_INFINITY;
    assert.throws(
      () => quantizeNf4(weights, [70]),
      (error: Error) => error instanceof TunaInputError && /element 66 is Infinity/.test(error.message),
    );
  });
});
