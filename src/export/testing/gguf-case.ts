// The files the GGUF tests and reference/gguf_reference.py look at, made the same way every time:
// a tiny Llama from `tuna init-model` (seed 3), a random LoRA adapter on it (seed 1), and Tuna's
// exports of both.
import { join } from 'node:path';
import { CausalLM } from '../../models/model.js';
import { initModel } from '../../models/init-model.js';
import { writeRandomAdapter } from '../../serve/testing/random-adapter.js';
import { exportLoraGguf, exportModelGguf } from '../export-gguf.js';

export const GGUF_CASE_FILES = ['model-f16.gguf', 'model-q8_0.gguf', 'adapter-f16.gguf'] as const;

export async function writeGgufCase(dir: string): Promise<{ model: string; adapter: string }> {
  const model = join(dir, 'model');
  const adapter = join(dir, 'adapter');
  await initModel({ arch: 'llama', preset: 'tiny', out: model, seed: 3 });
  await writeRandomAdapter(await CausalLM.load(model), adapter, 1);
  await exportModelGguf({ model, out: join(dir, 'model-f16.gguf'), type: 'f16', name: 'tiny' });
  await exportModelGguf({ model, out: join(dir, 'model-q8_0.gguf'), type: 'q8_0', name: 'tiny' });
  await exportLoraGguf({ model, adapter, out: join(dir, 'adapter-f16.gguf'), type: 'f16' });
  return { model, adapter };
}
