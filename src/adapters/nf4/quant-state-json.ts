/**
 * The JSON bitsandbytes packs into `<prefix>.weight.quant_state.bitsandbytes__nf4`
 * (QuantState.as_dict(packed=True) + utils.pack_dict_to_tensor): its non-tensor fields,
 * written by Python's json.dumps with default separators, as UTF-8 bytes in a U8 tensor.
 */
import { TunaInputError } from '../../errors.js';
import { NF4_SOURCE_DTYPES } from './nf4-tensor.js';
import type { Nf4SourceDtype } from './nf4-tensor.js';
import { pythonFloatRepr } from './python-float-repr.js';

export interface QuantStateFields {
  quantType: 'nf4';
  blocksize: number;
  dtype: Nf4SourceDtype;
  shape: number[];
  /** Present only with double quantization. */
  nested?: { blocksize: number; dtype: 'float32'; offset: number };
}

/** Bytes equal to what bitsandbytes writes for the same state (key order and spacing included). */
export function encodeQuantState(state: QuantStateFields): Uint8Array {
  const parts = [
    `"quant_type": "${state.quantType}"`,
    `"blocksize": ${state.blocksize}`,
    `"dtype": "${state.dtype}"`,
    `"shape": [${state.shape.join(', ')}]`,
  ];
  if (state.nested) {
    parts.push(
      `"nested_blocksize": ${state.nested.blocksize}`,
      `"nested_dtype": "${state.nested.dtype}"`,
      `"nested_offset": ${pythonFloatRepr(state.nested.offset)}`,
    );
  }
  return new TextEncoder().encode(`{${parts.join(', ')}}`);
}

/** Parses and checks the JSON; `where` names the tensor for error messages. */
export function decodeQuantState(bytes: Uint8Array, where: string): QuantStateFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new TunaInputError(`${where}: not UTF-8 JSON (${(error as Error).message}); the quant_state tensor is damaged`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TunaInputError(`${where}: expected a JSON object of quantization fields`);
  }
  const fields = parsed as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new TunaInputError(`${where}: field "${field}" is ${JSON.stringify(fields[field])}; expected ${expected}`);
  };
  if (fields.quant_type !== 'nf4') fail('quant_type', '"nf4" (Tuna reads NF4 only; re-quantize fp4 weights as nf4)');
  if (!isPositiveInteger(fields.blocksize)) fail('blocksize', 'a positive integer');
  if (!NF4_SOURCE_DTYPES.includes(fields.dtype as Nf4SourceDtype)) fail('dtype', `one of ${NF4_SOURCE_DTYPES.join(', ')}`);
  const shape = fields.shape;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    fail('shape', 'a list of non-negative integers');
  }
  const state: QuantStateFields = {
    quantType: 'nf4',
    blocksize: fields.blocksize as number,
    dtype: fields.dtype as Nf4SourceDtype,
    shape: [...(shape as number[])],
  };
  const hasNested = 'nested_offset' in fields || 'nested_blocksize' in fields || 'nested_dtype' in fields;
  if (hasNested) {
    if (!isPositiveInteger(fields.nested_blocksize)) fail('nested_blocksize', 'a positive integer');
    if (fields.nested_dtype !== 'float32') fail('nested_dtype', '"float32"');
    if (typeof fields.nested_offset !== 'number' || !Number.isFinite(fields.nested_offset)) fail('nested_offset', 'a finite number');
    state.nested = { blocksize: fields.nested_blocksize as number, dtype: 'float32', offset: fields.nested_offset as number };
  }
  return state;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
