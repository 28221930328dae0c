// Reads a checkpoint's tensors for an architecture: every expected key must be present with its
// expected shape; buffers transformers does not load (rotary inv_freq, GPT-2 attention masks) are skipped.
import { TunaInputError } from '../errors.js';
import { formatShape, sameShape, type Shape } from '../graph/shape.js';
import type { TensorSource } from '../io/safetensors.js';

export async function readWeights(
  source: TensorSource, expected: Map<string, Shape>, where: string,
): Promise<Map<string, Float32Array>> {
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of expected) {
    if (!source.has(name)) {
      throw new TunaInputError(`${where}: tensor "${name}" is missing (expected shape ${formatShape(shape)}); is this checkpoint complete and of the configured architecture?`);
    }
    const info = source.info(name);
    if (!sameShape(info.shape, shape)) {
      throw new TunaInputError(`${where}: tensor "${name}" has shape ${formatShape(info.shape)}, but config.json implies ${formatShape(shape)}`);
    }
    weights.set(name, await source.readFloat32(name));
  }
  return weights;
}
