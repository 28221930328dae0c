// Reads a checkpoint's tensors for an architecture: every expected key must be present with its
// expected shape; buffers transformers does not load (rotary inv_freq, GPT-2 attention masks) are skipped.
import { TunaInputError } from '../errors.js';
import { formatShape, sameShape, type Shape } from '../graph/shape.js';
import { fromBitsandbytesTensors } from '../adapters/nf4/bitsandbytes-tensors.js';
import type { Nf4Tensor } from '../adapters/nf4/nf4-tensor.js';
import type { TensorSource } from '../io/safetensors.js';

/** A checkpoint tensor's header entry, after checking it exists with the shape config.json implies. */
export function checkedInfo<S extends TensorSource>(source: S, name: string, shape: Shape, where: string): ReturnType<S['info']> {
  if (!source.has(name)) {
    throw new TunaInputError(`${where}: tensor "${name}" is missing (expected shape ${formatShape(shape)}); is this checkpoint complete and of the configured architecture?`);
  }
  const info = source.info(name) as ReturnType<S['info']>;
  if (!sameShape(info.shape, shape)) {
    throw new TunaInputError(`${where}: tensor "${name}" has shape ${formatShape(info.shape)}, but config.json implies ${formatShape(shape)}`);
  }
  return info;
}

/** `keep` may take a tensor over (e.g. quantize it) by returning false: it is then not in the result. */
export async function readWeights(
  source: TensorSource, expected: Map<string, Shape>, where: string, keep?: (name: string, data: Float32Array) => boolean,
): Promise<Map<string, Float32Array>> {
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of expected) {
    checkedInfo(source, name, shape, where);
    const data = await source.readFloat32(name);
    if (!keep || keep(name, data)) weights.set(name, data);
  }
  return weights;
}

const QUANT_STATE = '.weight.quant_state.bitsandbytes__nf4';

/** bitsandbytes 4-bit layers of a checkpoint (keys `<module>.weight` + its quant state), by weight key. */
export async function readQuantizedLayers(source: TensorSource, where: string): Promise<Map<string, Nf4Tensor>> {
  const out = new Map<string, Nf4Tensor>();
  for (const info of source.tensors) {
    if (!info.name.endsWith(QUANT_STATE)) continue;
    const module = info.name.slice(0, -QUANT_STATE.length);
    const record: Record<string, { dtype: string; shape: readonly number[]; data: ArrayBufferView }> = {};
    for (const t of source.tensors) {
      if (t.name === `${module}.weight` || t.name.startsWith(`${module}.weight.`)) {
        record[t.name] = { dtype: t.dtype, shape: t.shape, data: await source.read(t.name) };
      }
    }
    out.set(`${module}.weight`, fromBitsandbytesTensors(module, record, where));
  }
  return out;
}
