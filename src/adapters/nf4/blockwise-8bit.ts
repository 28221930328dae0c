/**
 * Blockwise 8-bit quantization (bitsandbytes `quantize_blockwise`): each block is divided
 * by its absmax and mapped to the nearest code of a sorted 256-entry code book, by
 * default the dynamic map. Double quantization uses it for the NF4 absmax values.
 */
import { checkBlockwise8bitBlocksize } from './blocksize.js';
import { defaultDynamicMap } from './dynamic-map.js';
import { assertSortedCode, codeMidpoints, nearestCodeIndex } from './nearest-code.js';
import { blockAbsmax, inverseAbsmax } from './block-scale.js';

export interface Blockwise8bit {
  /** One code index per input value. */
  readonly codes: Uint8Array;
  /** max |x| of each block, 0 for an all-zero block; the last block may be partial. */
  readonly absmax: Float32Array;
  readonly blocksize: number;
}

export interface Blockwise8bitOptions {
  blocksize?: number;
  /** Sorted code book of at most 256 values; defaults to the dynamic map. */
  code?: Float32Array;
}

export function quantizeBlockwise8bit(values: Float32Array, options: Blockwise8bitOptions = {}): Blockwise8bit {
  const blocksize = checkBlockwise8bitBlocksize(options.blocksize ?? 256);
  const code = options.code ?? defaultDynamicMap();
  if (code.length < 1 || code.length > 256) throw new RangeError(`8-bit code book has ${code.length} values; it needs 1 to 256`);
  assertSortedCode(code, '8-bit code book');
  const midpoints = codeMidpoints(code);
  const blocks = Math.ceil(values.length / blocksize);
  const codes = new Uint8Array(values.length);
  const absmax = new Float32Array(blocks);
  for (let block = 0; block < blocks; block++) {
    const start = block * blocksize;
    const end = Math.min(start + blocksize, values.length);
    const max = blockAbsmax(values, start, end, '8-bit quantization input');
    absmax[block] = max;
    const inverse = inverseAbsmax(max);
    for (let i = start; i < end; i++) codes[i] = nearestCodeIndex(midpoints, Math.fround(values[i] * inverse));
  }
  return { codes, absmax, blocksize };
}

/** `code[codes[i]] * absmax[block]` in fp32, the inverse of quantizeBlockwise8bit. */
export function dequantizeBlockwise8bit(quantized: Blockwise8bit, code: Float32Array = defaultDynamicMap()): Float32Array {
  const { codes, absmax, blocksize } = quantized;
  const expectedBlocks = Math.ceil(codes.length / blocksize);
  if (absmax.length !== expectedBlocks) {
    throw new RangeError(
      `8-bit dequantization: ${codes.length} codes in blocks of ${blocksize} need ${expectedBlocks} absmax values, ` +
        `got ${absmax.length}`,
    );
  }
  const out = new Float32Array(codes.length);
  for (let block = 0; block < expectedBlocks; block++) {
    const start = block * blocksize;
    const end = Math.min(start + blocksize, codes.length);
    const scale = absmax[block];
    for (let i = start; i < end; i++) out[i] = code[codes[i]] * scale;
  }
  return out;
}
