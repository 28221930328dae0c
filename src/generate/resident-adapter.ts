// A LoRA adapter made ready to use (serving, evaluation, chat): its tensors uploaded once into the runtime's worker and fed
// by handle, so a request may switch adapters without reloading or copying anything.
import { createHash } from 'node:crypto';
import { loadAdapter } from '../adapters/lora/adapter-files.js';
import { loraInput, type LoraModel } from '../adapters/lora/lora-model.js';
import { TunaInputError } from '../errors.js';
import type { CausalLM, ForwardAdapter } from '../models/model.js';
import type { Feed, Runtime } from '../runtime/runtime.js';

export interface ServedAdapter {
  name: string;
  dir: string;
  adapter: ForwardAdapter;
}

/** Loads a PEFT adapter folder for `base` and uploads its tensors (and any trained base tensors it carries). */
export async function uploadAdapter(rt: Runtime, base: CausalLM, name: string, dir: string): Promise<ServedAdapter> {
  const { lora, extra } = await loadAdapter(base, dir);
  const feeds: Record<string, Feed> = {};
  const upload = async (input: string, data: Float32Array, shape: readonly number[]) => {
    feeds[input] = await rt.upload(`adapter:${name}:${input}`, { data, shape: [...shape], dtype: 'float32' }, { transfer: true });
  };
  for (const [module, t] of lora.adapters) {
    await upload(loraInput(module, 'A'), t.a, [lora.config.r, t.inFeatures]);
    await upload(loraInput(module, 'B'), t.b, [t.outFeatures, lora.config.r]);
  }
  // Trained biases or modules_to_save replace the base tensor of the same name for this adapter only.
  for (const [param, data] of extra) {
    const shape = base.shapes.get(param)!;
    if (data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new TunaInputError(`${dir}: tensor "base_model.model.${param}" has ${data.length} values, expected shape [${shape.join(', ')}]`);
    }
    await upload(param, data, shape);
  }
  return { name, dir, adapter: { key: structureKey(lora), hook: lora.hook({ dropout: false }).hook, feeds } };
}

/** Adapters with the same rank, scale and targets build the same graph, so they share compiled sessions. */
function structureKey(lora: LoraModel): string {
  const structure = JSON.stringify({ r: lora.config.r, scale: lora.scale, modules: [...lora.modules].sort() });
  return `lora:${createHash('sha256').update(structure).digest('hex').slice(0, 16)}`;
}
