/**
 * NF4 weights as bitsandbytes' Linear4bit saves them in a state dict / safetensors file
 * (nn/modules.py `_save_to_state_dict`, functional.py `QuantState.as_dict(packed=True)`),
 * and back. Keys for a layer `p`: p.weight, p.weight.absmax, p.weight.quant_map,
 * p.weight.nested_absmax, p.weight.nested_quant_map, p.weight.quant_state.bitsandbytes__nf4.
 */
import { TunaInputError } from '../../errors.js';
import { checkBlockwise8bitBlocksize, checkNf4Blocksize } from './blocksize.js';
import { NF4_TABLE } from './nf4-table.js';
import { shapeElementCount } from './nf4-tensor.js';
import type { Nf4Tensor } from './nf4-tensor.js';
import { decodeQuantState, encodeQuantState } from './quant-state-json.js';

/** A tensor to store, with its safetensors dtype name. */
export type BitsandbytesTensor =
  | { dtype: 'U8'; shape: number[]; data: Uint8Array }
  | { dtype: 'F32'; shape: number[]; data: Float32Array };

/** A stored tensor as a reader returns it: F32 data may also be its raw little-endian bytes. */
export interface StoredTensor {
  dtype: string;
  shape: readonly number[];
  data: ArrayBufferView;
}

const QUANT_STATE_SUFFIX = 'weight.quant_state.bitsandbytes__nf4';

function keyPrefix(prefix: string): string {
  return prefix === '' ? '' : `${prefix}.`;
}

/** The tensors bitsandbytes writes for the layer `prefix` (e.g. `model.layers.0.mlp.down_proj`), in its order. */
export function toBitsandbytesTensors(prefix: string, t: Nf4Tensor): Record<string, BitsandbytesTensor> {
  const p = keyPrefix(prefix);
  // Params4bit keeps the packed codes as a column: shape [ceil(n/2), 1].
  const tensors: Record<string, BitsandbytesTensor> = {
    [`${p}weight`]: { dtype: 'U8', shape: [t.packed.length, 1], data: t.packed },
  };
  tensors[`${p}weight.absmax`] = t.doubleQuant
    ? { dtype: 'U8', shape: [t.absmax.length], data: t.absmax }
    : { dtype: 'F32', shape: [t.absmax.length], data: t.absmax };
  tensors[`${p}weight.quant_map`] = { dtype: 'F32', shape: [NF4_TABLE.length], data: Float32Array.from(NF4_TABLE) };
  if (t.doubleQuant) {
    tensors[`${p}weight.nested_absmax`] = { dtype: 'F32', shape: [t.nestedAbsmax.length], data: t.nestedAbsmax };
    tensors[`${p}weight.nested_quant_map`] = { dtype: 'F32', shape: [t.nestedCode.length], data: t.nestedCode };
  }
  const state = encodeQuantState({
    quantType: 'nf4',
    blocksize: t.blocksize,
    dtype: t.dtype,
    shape: [...t.shape],
    ...(t.doubleQuant ? { nested: { blocksize: t.nestedBlocksize, dtype: 'float32' as const, offset: t.nestedOffset } } : {}),
  });
  tensors[`${p}${QUANT_STATE_SUFFIX}`] = { dtype: 'U8', shape: [state.length], data: state };
  return tensors;
}

/**
 * Reads the layer `prefix` back from stored tensors. `source` names where they came from
 * (a file path) for error messages.
 */
export function fromBitsandbytesTensors(
  prefix: string,
  tensors: Readonly<Record<string, StoredTensor>>,
  source = 'the checkpoint',
): Nf4Tensor {
  const p = keyPrefix(prefix);
  const get = (suffix: string, why: string): StoredTensor => {
    const tensor = tensors[`${p}${suffix}`];
    if (tensor === undefined) {
      throw new TunaInputError(`${source}: tensor "${p}${suffix}" is missing; ${why}`);
    }
    return tensor;
  };
  const stateKey = `${p}${QUANT_STATE_SUFFIX}`;
  if (tensors[stateKey] === undefined && tensors[`${p}weight.quant_state.bitsandbytes__fp4`] !== undefined) {
    throw new TunaInputError(`${source}: "${p}weight" is quantized as fp4; Tuna reads NF4 only (quantize the base model with bnb_4bit_quant_type="nf4")`);
  }
  const state = decodeQuantState(
    readU8(get(QUANT_STATE_SUFFIX, 'a bitsandbytes 4-bit layer stores its quantization settings there'), stateKey, source),
    `${source}: "${stateKey}"`,
  );
  const blocksize = checkNf4Blocksize(state.blocksize, `${source}: "${stateKey}" blocksize`);
  const n = shapeElementCount(state.shape, `${source}: "${stateKey}"`);
  const blocks = Math.ceil(n / blocksize);

  const weightKey = `${p}weight`;
  const packed = readU8(get('weight', 'it holds the packed 4-bit codes'), weightKey, source);
  expectLength(packed.length, Math.ceil(n / 2), weightKey, source, `packed bytes for shape [${state.shape.join(', ')}]`);
  const quantMap = readF32(get('weight.quant_map', 'bitsandbytes stores the 16-value NF4 table there'), `${p}weight.quant_map`, source);
  expectLength(quantMap.length, NF4_TABLE.length, `${p}weight.quant_map`, source, 'NF4 table values');

  const common = { shape: state.shape, blocksize, dtype: state.dtype, packed };
  const absmaxKey = `${p}weight.absmax`;
  const absmaxTensor = get('weight.absmax', 'it holds the scale of each block');
  if (!state.nested) {
    if (tensors[`${p}weight.nested_absmax`] !== undefined) {
      throw new TunaInputError(`${source}: "${p}weight.nested_absmax" is present but "${stateKey}" has no nested_offset; the quantization state is inconsistent`);
    }
    const absmax = readF32(absmaxTensor, absmaxKey, source);
    expectLength(absmax.length, blocks, absmaxKey, source, `block scales (${n} elements in blocks of ${blocksize})`);
    return { ...common, doubleQuant: false, absmax };
  }
  const nestedBlocksize = checkBlockwise8bitBlocksize(state.nested.blocksize, `${source}: "${stateKey}" nested_blocksize`);
  const absmax = readU8(absmaxTensor, absmaxKey, source);
  expectLength(absmax.length, blocks, absmaxKey, source, `8-bit block scale codes (${n} elements in blocks of ${blocksize})`);
  const nestedKey = `${p}weight.nested_absmax`;
  const nestedAbsmax = readF32(get('weight.nested_absmax', 'the quant_state has nested_offset, so the block scales are double-quantized'), nestedKey, source);
  expectLength(nestedAbsmax.length, Math.ceil(blocks / nestedBlocksize), nestedKey, source, `nested scales (${blocks} codes in blocks of ${nestedBlocksize})`);
  const codeKey = `${p}weight.nested_quant_map`;
  const nestedCode = readF32(get('weight.nested_quant_map', 'it holds the 8-bit code book of the block scales'), codeKey, source);
  expectLength(nestedCode.length, 256, codeKey, source, '8-bit code values');
  return {
    ...common,
    doubleQuant: true,
    absmax,
    nestedAbsmax,
    // torch keeps the offset as a float32 tensor.
    nestedOffset: Math.fround(state.nested.offset),
    nestedBlocksize,
    nestedCode,
  };
}

function readU8(tensor: StoredTensor, key: string, source: string): Uint8Array {
  if (tensor.dtype !== 'U8' || !(tensor.data instanceof Uint8Array)) {
    throw new TunaInputError(`${source}: tensor "${key}" has dtype ${tensor.dtype}; bitsandbytes stores it as U8 (uint8)`);
  }
  return tensor.data;
}

function readF32(tensor: StoredTensor, key: string, source: string): Float32Array {
  if (tensor.dtype === 'F32') {
    if (tensor.data instanceof Float32Array) return tensor.data;
    if (tensor.data instanceof Uint8Array && tensor.data.byteLength % 4 === 0) {
      const view = new DataView(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
      const out = new Float32Array(tensor.data.byteLength / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
  }
  throw new TunaInputError(`${source}: tensor "${key}" has dtype ${tensor.dtype}; bitsandbytes stores it as F32 (float32)`);
}

function expectLength(actual: number, expected: number, key: string, source: string, what: string): void {
  if (actual !== expected) {
    throw new TunaInputError(`${source}: tensor "${key}" has ${actual} values where ${expected} ${what} are expected; the file is damaged or from another layer`);
  }
}
