/** Reads fixtures/nf4/nf4_reference.json, written by reference/nf4_reference.py. */
import { readFileSync } from 'node:fs';

interface RawNf4Case {
  name: string;
  shape: number[];
  blocksize: number;
  double_quant: boolean;
  dtype: 'float32' | 'bfloat16' | 'float16';
  input_f32: string;
  packed_u8: string;
  quant_state_json: string;
  dequantized_f32: string;
  absmax_f32?: string;
  absmax_u8?: string;
  nested_absmax_f32?: string;
  nested_offset?: number;
  unquantized_absmax_f32?: string;
}

interface RawBlockwiseCase {
  name: string;
  blocksize: number;
  input_f32: string;
  codes_u8: string;
  absmax_f32: string;
  dequantized_f32: string;
}

interface RawFixture {
  python_float_repr: [number, string][];
  nf4_table_f32: string;
  dynamic_map_f32: string;
  nf4_cases: RawNf4Case[];
  blockwise_8bit_cases: RawBlockwiseCase[];
}

const FIXTURE_URL = new URL('../../../../fixtures/nf4/nf4_reference.json', import.meta.url);

export const nf4Fixture: RawFixture = JSON.parse(readFileSync(FIXTURE_URL, 'utf8')) as RawFixture;

export function decodeU8(base64: string | undefined): Uint8Array {
  if (base64 === undefined) throw new Error('fixture field missing');
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

/** Little-endian float32 values from base64. */
export function decodeF32(base64: string | undefined): Float32Array {
  const bytes = decodeU8(base64);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** Index of the first differing element, or -1. */
export function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 0): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance) && !Object.is(actual[i], expected[i])) return i;
  }
  return -1;
}
