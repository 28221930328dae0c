// Writes a Hugging Face model folder: config.json, (sharded) safetensors weights, and the
// tokenizer and generation files copied from the source folder, atomically.
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFolderAtomically } from '../io/atomic-dir.js';
import { writeShardedSafetensors, type TensorToWrite } from '../io/safetensors.js';
import type { CausalLM } from './model.js';

const COPIED = /^(tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|chat_template\.jinja|generation_config\.json)$/;

export async function saveModelFolder(
  model: CausalLM, weights: Map<string, Float32Array>, dir: string, options: { maxShardBytes?: number } = {},
): Promise<void> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, shape] of model.shapes) {
    const data = weights.get(name);
    if (!data) throw new Error(`saveModelFolder: no weights for "${name}"`);
    tensors[name] = { dtype: 'F32', shape, data };
  }
  await writeFolderAtomically(dir, async (tmp) => {
    // A merged or dequantized model is plain float32: no quantization_config.
    const { quantization_config: _dropped, ...config } = model.config.raw;
    await writeFile(join(tmp, 'config.json'), `${JSON.stringify({ ...config, torch_dtype: 'float32' }, null, 2)}\n`);
    await writeShardedSafetensors(tmp, tensors, { maxShardBytes: options.maxShardBytes ?? 2 * 1024 ** 3 });
    await copyTokenizerFiles(model.dir, tmp);
  });
}

/** Copies the tokenizer, chat template and generation files of a model folder into another. */
export async function copyTokenizerFiles(from: string, to: string): Promise<void> {
  for (const name of await readdir(from).catch(() => [] as string[])) {
    if (COPIED.test(name)) await copyFile(join(from, name), join(to, name));
  }
}
