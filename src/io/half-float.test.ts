/** Known float16 / bfloat16 / fp8 bit patterns, both directions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bfloat16ToFloat32,
  float32ToBfloat16,
  float32ToHalf,
  float8e4m3ToFloat32,
  float8e5m2ToFloat32,
  halfToFloat32,
} from './half-float.js';

const widenHalf = (bits: number) => halfToFloat32(Uint16Array.of(bits))[0];
const widenBfloat = (bits: number) => bfloat16ToFloat32(Uint16Array.of(bits))[0];
const toHalf = (value: number) => float32ToHalf(Float32Array.of(value))[0];
const toBfloat = (value: number) => float32ToBfloat16(Float32Array.of(value))[0];

test('float16 bit patterns widen exactly, including subnormals, inf and nan', () => {
  assert.equal(widenHalf(0x0000), 0);
  assert.ok(Object.is(widenHalf(0x8000), -0));
  assert.equal(widenHalf(0x3c00), 1);
  assert.equal(widenHalf(0xc000), -2);
  assert.equal(widenHalf(0x3555), 0.333251953125);
  assert.equal(widenHalf(0x7bff), 65504);
  assert.equal(widenHalf(0x0400), 2 ** -14); // smallest normal
  assert.equal(widenHalf(0x0001), 2 ** -24); // smallest subnormal
  assert.equal(widenHalf(0x03ff), 1023 * 2 ** -24); // largest subnormal
  assert.equal(widenHalf(0x8001), -(2 ** -24));
  assert.equal(widenHalf(0x7c00), Infinity);
  assert.equal(widenHalf(0xfc00), -Infinity);
  assert.ok(Number.isNaN(widenHalf(0x7e00)));
  assert.ok(Number.isNaN(widenHalf(0x7c01)));
});

test('float32 narrows to float16 with round to nearest even', () => {
  assert.equal(toHalf(1), 0x3c00);
  assert.equal(toHalf(-2), 0xc000);
  assert.equal(toHalf(-0), 0x8000);
  assert.equal(toHalf(1 + 2 ** -11), 0x3c00); // tie, even stays
  assert.equal(toHalf(1 + 3 * 2 ** -11), 0x3c02); // tie, odd rounds up
  assert.equal(toHalf(1 + 2 ** -11 + 2 ** -20), 0x3c01); // above the tie
  assert.equal(toHalf(65504), 0x7bff);
  assert.equal(toHalf(65519), 0x7bff);
  assert.equal(toHalf(65520), 0x7c00); // tie above the largest half rounds to infinity
  assert.equal(toHalf(1e6), 0x7c00);
  assert.equal(toHalf(-Infinity), 0xfc00);
  assert.equal(toHalf(2 ** -24), 0x0001);
  assert.equal(toHalf(2 ** -25), 0x0000); // tie between 0 and the smallest subnormal
  assert.equal(toHalf(3 * 2 ** -26), 0x0001);
  assert.equal(toHalf(3 * 2 ** -25), 0x0002); // 1.5 units, tie to even
  assert.equal(toHalf(1023 * 2 ** -24), 0x03ff);
  assert.equal(toHalf(2047 * 2 ** -25), 0x0400); // rounds up from subnormal into the first normal
  assert.equal(toHalf(1e-10), 0);
  assert.equal(toHalf(NaN) & 0x7e00, 0x7e00);
});

test('bfloat16 widens and narrows with round to nearest even', () => {
  assert.equal(widenBfloat(0x3f80), 1);
  assert.equal(widenBfloat(0xc000), -2);
  assert.equal(widenBfloat(0x4049), 3.140625);
  assert.equal(widenBfloat(0x0001), 2 ** -133); // subnormal
  assert.equal(widenBfloat(0x7f80), Infinity);
  assert.equal(widenBfloat(0xff80), -Infinity);
  assert.ok(Number.isNaN(widenBfloat(0x7fc0)));

  assert.equal(toBfloat(1), 0x3f80);
  assert.equal(toBfloat(Math.PI), 0x4049);
  assert.equal(toBfloat(1 + 2 ** -8), 0x3f80); // tie, even stays
  assert.equal(toBfloat(1 + 3 * 2 ** -8), 0x3f82); // tie, odd rounds up
  assert.equal(toBfloat(3.4028234663852886e38), 0x7f80); // largest float32 rounds to infinity
  assert.equal(toBfloat(-0), 0x8000);
  assert.equal(toBfloat(NaN) & 0x7fc0, 0x7fc0);
});

test('fp8 formats widen to float32', () => {
  assert.deepEqual(
    Array.from(float8e4m3ToFloat32(Uint8Array.of(0x38, 0xc0, 0x7e, 0x01, 0x08))),
    [1, -2, 448, 2 ** -9, 2 ** -6],
  );
  assert.ok(Number.isNaN(float8e4m3ToFloat32(Uint8Array.of(0x7f))[0]));
  assert.deepEqual(Array.from(float8e5m2ToFloat32(Uint8Array.of(0x3c, 0x7b, 0x7c, 0x01))), [1, 57344, Infinity, 2 ** -16]);
});
