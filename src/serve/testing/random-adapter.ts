// A PEFT adapter with random A and B (B is zero in a fresh adapter), so it visibly changes the
// base model's answers; for serving tests.
import { saveAdapter } from '../../adapters/lora/adapter-files.js';
import { LoraModel } from '../../adapters/lora/lora-model.js';
import type { CausalLM } from '../../models/model.js';
import { mulberry32 } from '../../testing/random.js';

export async function writeRandomAdapter(base: CausalLM, dir: string, seed: number): Promise<LoraModel> {
  const lora = new LoraModel(base, { r: 4, loraAlpha: 8, targetModules: ['q_proj', 'v_proj', 'o_proj', 'down_proj'] }, seed);
  const random = mulberry32(seed);
  for (const t of lora.adapters.values()) for (let i = 0; i < t.b.length; i++) t.b[i] = (2 * random() - 1) * 0.5;
  await saveAdapter(lora, dir);
  return lora;
}
