import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TunaInputError } from '../../errors.js';
import { fromBitsandbytesTensors, toBitsandbytesTensors } from './bitsandbytes-tensors.js';
import type { StoredTensor } from './layer-tensor-reader.js';
import { createDynamicMap } from './dynamic-map.js';
import { NF4_TABLE } from './nf4-table.js';
import { quantizeNf4 } from './quantize-nf4.js';
import { decodeF32, nf4Fixture } from './test-utils/nf4-fixture.js';

const PREFIX = 'model.layers.0.self_attn.q_proj';
const weights = Float32Array.from({ length: 6 * 100 }, (_, i) => Math.cos(i * 0.91) * 0.04);

function record(doubleQuant: boolean): Record<string, StoredTensor> {
  return toBitsandbytesTensors(PREFIX, quantizeNf4(weights, [6, 100], { doubleQuant }));
}

function expectInputError(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: Error) => {
    assert.ok(error instanceof TunaInputError, `${error.name}: ${error.message}`);
    assert.match(error.message, message);
    return true;
  });
}

describe('toBitsandbytesTensors', () => {
  it('writes the keys, dtypes and shapes bitsandbytes saves', () => {
    const tensors = record(true);
    const layout = Object.entries(tensors).map(([key, tensor]) => [key.slice(PREFIX.length + 1), tensor.dtype, tensor.shape]);
    assert.deepEqual(layout, [
      ['weight', 'U8', [300, 1]],
      ['weight.absmax', 'U8', [10]],
      ['weight.quant_map', 'F32', [16]],
      ['weight.nested_absmax', 'F32', [1]],
      ['weight.nested_quant_map', 'F32', [256]],
      ['weight.quant_state.bitsandbytes__nf4', 'U8', [tensors[`${PREFIX}.weight.quant_state.bitsandbytes__nf4`]!.shape[0]]],
    ]);
    assert.deepEqual(tensors[`${PREFIX}.weight.quant_map`]!.data, NF4_TABLE);
    assert.deepEqual(tensors[`${PREFIX}.weight.nested_quant_map`]!.data, createDynamicMap());
  });

  it('stores fp32 absmax and no nested tensors without double quantization', () => {
    const tensors = record(false);
    assert.deepEqual(Object.keys(tensors), [
      `${PREFIX}.weight`,
      `${PREFIX}.weight.absmax`,
      `${PREFIX}.weight.quant_map`,
      `${PREFIX}.weight.quant_state.bitsandbytes__nf4`,
    ]);
    assert.equal(tensors[`${PREFIX}.weight.absmax`]!.dtype, 'F32');
  });

  for (const fixture of nf4Fixture.nf4_cases) {
    it(`writes the quant_state JSON bitsandbytes writes: ${fixture.name}`, () => {
      const t = quantizeNf4(decodeF32(fixture.input_f32), fixture.shape, {
        blocksize: fixture.blocksize,
        doubleQuant: fixture.double_quant,
        dtype: fixture.dtype,
      });
      const state = toBitsandbytesTensors('', t)['weight.quant_state.bitsandbytes__nf4']!;
      assert.equal(new TextDecoder().decode(state.data as Uint8Array), fixture.quant_state_json);
    });
  }
});

describe('fromBitsandbytesTensors', () => {
  it('round-trips both layouts', () => {
    for (const doubleQuant of [true, false]) {
      const t = quantizeNf4(weights, [6, 100], { doubleQuant, blocksize: 128, dtype: 'bfloat16' });
      assert.deepEqual(fromBitsandbytesTensors(PREFIX, toBitsandbytesTensors(PREFIX, t)), t);
    }
  });

  it('accepts F32 tensors given as raw little-endian bytes', () => {
    const tensors = record(true);
    const raw: Record<string, StoredTensor> = {};
    for (const [key, tensor] of Object.entries(tensors)) {
      const data = tensor.data;
      raw[key] = { ...tensor, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    }
    assert.deepEqual(fromBitsandbytesTensors(PREFIX, raw), fromBitsandbytesTensors(PREFIX, tensors));
  });

  it('names a missing tensor and the file it was looked for in', () => {
    const suffixes = ['weight', 'weight.absmax', 'weight.quant_map', 'weight.nested_absmax', 'weight.nested_quant_map'];
    for (const suffix of [...suffixes, 'weight.quant_state.bitsandbytes__nf4']) {
      const tensors = record(true);
      delete tensors[`${PREFIX}.${suffix}`];
      const key = `${PREFIX}.${suffix}`.replaceAll('.', '\\.');
      expectInputError(
        () => fromBitsandbytesTensors(PREFIX, tensors, 'model.safetensors'),
        new RegExp(`^model\\.safetensors: tensor "${key}" is missing; `),
      );
    }
  });

  it('refuses fp4 weights with a hint', () => {
    const tensors = record(false);
    const state = tensors[`${PREFIX}.weight.quant_state.bitsandbytes__nf4`]!;
    delete tensors[`${PREFIX}.weight.quant_state.bitsandbytes__nf4`];
    tensors[`${PREFIX}.weight.quant_state.bitsandbytes__fp4`] = state;
    expectInputError(() => fromBitsandbytesTensors(PREFIX, tensors), /quantized as fp4; Tuna reads NF4 only/);
  });

  it('reports a wrong dtype, a wrong length, a bad blocksize and damaged JSON', () => {
    const stateKey = `${PREFIX}.weight.quant_state.bitsandbytes__nf4`;
    const withState = (json: string): Record<string, StoredTensor> => {
      const bytes = new TextEncoder().encode(json);
      return { ...record(false), [stateKey]: { dtype: 'U8', shape: [bytes.length], data: bytes } };
    };
    const wrongDtype = record(false);
    wrongDtype[`${PREFIX}.weight`] = { dtype: 'BF16', shape: [150, 1], data: new Uint16Array(150) };
    expectInputError(() => fromBitsandbytesTensors(PREFIX, wrongDtype), /q_proj\.weight" has dtype BF16; bitsandbytes stores it as U8/);

    const short = record(true);
    short[`${PREFIX}.weight.absmax`] = { dtype: 'U8', shape: [9], data: new Uint8Array(9) };
    expectInputError(() => fromBitsandbytesTensors(PREFIX, short), /weight\.absmax" has 9 values where 10 8-bit block scale codes/);

    expectInputError(
      () => fromBitsandbytesTensors(PREFIX, withState('{"quant_type": "nf4", "blocksize": 48, "dtype": "float32", "shape": [6, 100]}')),
      /blocksize is 48; bitsandbytes accepts one of 32, 64/,
    );
    expectInputError(
      () => fromBitsandbytesTensors(PREFIX, withState('{"quant_type": "nf4", "blocksize": 64, "dtype": "int8", "shape": [6, 100]}')),
      /field "dtype" is "int8"; expected one of float32, bfloat16, float16/,
    );
    expectInputError(() => fromBitsandbytesTensors(PREFIX, withState('{"quant_type": "nf4", ')), /not UTF-8 JSON/);
    expectInputError(
      () => fromBitsandbytesTensors(PREFIX, withState('{"quant_type": "nf4", "blocksize": 64, "dtype": "float32", "shape": [6, 101]}')),
      /has 300 values where 303 packed bytes for shape \[6, 101\] are expected/,
    );
  });

  it('rejects nested tensors that the quant_state does not announce', () => {
    const tensors = record(false);
    tensors[`${PREFIX}.weight.nested_absmax`] = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
    expectInputError(() => fromBitsandbytesTensors(PREFIX, tensors), /nested_absmax" is present but .* has no nested_offset/);
  });
});
