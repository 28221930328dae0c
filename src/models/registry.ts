// Architectures keyed by config.json's model_type.
import type { HfModelConfig } from '../io/hf-config.js';
import { gpt2 } from './gpt2.js';
import { gptNeox } from './gpt-neox.js';
import { llama } from './llama.js';
import type { Architecture, OutputHead } from './types.js';

const ARCHITECTURES = new Map<string, Architecture>();
for (const arch of [llama, gpt2, gptNeox] as unknown as Architecture[]) {
  for (const type of arch.modelTypes) ARCHITECTURES.set(type, arch);
}

export function architectureFor(config: HfModelConfig): Architecture {
  const arch = ARCHITECTURES.get(config.modelType);
  if (!arch) throw new Error(`no architecture for model_type "${config.modelType}"`);
  return arch;
}

/** The name modules_to_save takes to train a head: the embedding's module when tied (`embed_tokens`, `wte`), else the head's. */
export function headModuleToSave(head: OutputHead): string {
  return head.weight.replace(/\.weight$/, '').split('.').pop()!;
}
