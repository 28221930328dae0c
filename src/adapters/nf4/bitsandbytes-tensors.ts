/**
 * NF4 weights as bitsandbytes' Linear4bit saves them in a state dict / safetensors file
 * (nn/modules.py `_save_to_state_dict`, functional.py `QuantState.as_dict(packed=True)`),
 * and back. Keys for a layer `p`: p.weight, p.weight.absmax, p.weight.quant_map,
 * p.weight.nested_absmax, p.weight.nested_quant_map, p.weight.quant_state.bitsandbytes__nf4.
 */
import { checkBlockwise8bitBlocksize, checkNf4Blocksize } from './blocksize.js';
import { LayerTensorReader } from './layer-tensor-reader.js';
import type { StoredTensor } from './layer-tensor-reader.js';
import { NF4_TABLE } from './nf4-table.js';
import { shapeElementCount } from './nf4-tensor.js';
import type { Nf4Tensor } from './nf4-tensor.js';
import { decodeQuantState, encodeQuantState } from './quant-state-json.js';

/** A tensor to store, with its safetensors dtype name. */
export type BitsandbytesTensor =
  | { dtype: 'U8'; shape: number[]; data: Uint8Array }
  | { dtype: 'F32'; shape: number[]; data: Float32Array };

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
    ...(t.doubleQuant && { nested: { blocksize: t.nestedBlocksize, dtype: 'float32', offset: t.nestedOffset } }),
  });
  tensors[`${p}${QUANT_STATE_SUFFIX}`] = { dtype: 'U8', shape: [state.length], data: state };
  return tensors;
}

/**
 * Reads the layer `prefix` back from stored tensors (as bitsandbytes' QuantState.from_dict
 * does). `source` names where they came from (a file path) for error messages.
 */
export function fromBitsandbytesTensors(
  prefix: string,
  tensors: Readonly<Record<string, StoredTensor>>,
  source = 'the checkpoint',
): Nf4Tensor {
  const layer = new LayerTensorReader(tensors, keyPrefix(prefix), source);
  const stateKey = layer.key(QUANT_STATE_SUFFIX);
  if (!layer.has(QUANT_STATE_SUFFIX) && layer.has('weight.quant_state.bitsandbytes__fp4')) {
    layer.fail(`"${layer.key('weight')}" is quantized as fp4; Tuna reads NF4 only (quantize with bnb_4bit_quant_type="nf4")`);
  }
  const stateBytes = layer.u8(QUANT_STATE_SUFFIX, 'a bitsandbytes 4-bit layer stores its quantization settings there');
  const state = decodeQuantState(stateBytes, `${source}: "${stateKey}"`);
  const blocksize = checkNf4Blocksize(state.blocksize, `${source}: "${stateKey}" blocksize`);
  const n = shapeElementCount(state.shape, `${source}: "${stateKey}"`);
  const blocks = Math.ceil(n / blocksize);
  const inBlocks = `(${n} elements in blocks of ${blocksize})`;

  const packed = layer.u8('weight', 'it holds the packed 4-bit codes', {
    length: Math.ceil(n / 2),
    what: `packed bytes for shape [${state.shape.join(', ')}]`,
  });
  layer.f32('weight.quant_map', 'bitsandbytes stores the 16-value NF4 table there', {
    length: NF4_TABLE.length,
    what: 'NF4 table values',
  });
  const common = { shape: state.shape, blocksize, dtype: state.dtype, packed };
  const absmaxWhy = 'it holds the scale of each block';

  if (!state.nested) {
    if (layer.has('weight.nested_absmax')) {
      layer.fail(`"${layer.key('weight.nested_absmax')}" is present but "${stateKey}" has no nested_offset; the state is inconsistent`);
    }
    const absmax = layer.f32('weight.absmax', absmaxWhy, { length: blocks, what: `block scales ${inBlocks}` });
    return { ...common, doubleQuant: false, absmax };
  }
  const nestedBlocksize = checkBlockwise8bitBlocksize(state.nested.blocksize, `${source}: "${stateKey}" nested_blocksize`);
  const absmax = layer.u8('weight.absmax', absmaxWhy, { length: blocks, what: `8-bit block scale codes ${inBlocks}` });
  const nestedAbsmax = layer.f32('weight.nested_absmax', 'the quant_state has nested_offset, so block scales are double-quantized', {
    length: Math.ceil(blocks / nestedBlocksize),
    what: `nested scales (${blocks} codes in blocks of ${nestedBlocksize})`,
  });
  const nestedCode = layer.f32('weight.nested_quant_map', 'it holds the 8-bit code book of the block scales', {
    length: 256,
    what: '8-bit code values',
  });
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
