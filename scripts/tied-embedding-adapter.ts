// Trains the committed fixture fixtures/models/llama/tied_embedding_adapter/: LoRA on q_proj and
// v_proj plus modules_to_save embed_tokens on the tied tiny llama, whose embedding is also its
// output head. reference/peft_tied_embedding.py then loads it in PEFT and writes peft_logits.json.
//   node --import tsx scripts/tied-embedding-adapter.ts
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../src/testing/random.js';
import { Runtime } from '../src/runtime/runtime.js';
import { fineTune } from '../src/train/fine-tune.js';

const model = 'fixtures/models/llama';
const out = join(model, 'tied_embedding_adapter');
const EOS = 2;
const work = await mkdtemp(join(tmpdir(), 'tuna-tied-adapter-'));
try {
  // Random prompts (ids 3..127) answered by a fixed continuation of their first token, then EOS.
  const rand = mulberry32(7);
  const rows = Array.from({ length: 16 }, () => {
    const prompt = Array.from({ length: 6 }, () => 3 + Math.floor(rand() * 125));
    const answer = [prompt[0]!, (prompt[0]! * 7) % 125 + 3, EOS];
    return { input_ids: [...prompt, ...answer], labels: [...prompt.map(() => -100), ...answer] };
  });
  await mkdir(join(work, 'data'));
  await writeFile(join(work, 'data', 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  const rt = new Runtime();
  try {
    await fineTune(rt, {
      model, data: join(work, 'data'), out: join(work, 'run'), method: 'lora', targetModules: ['q_proj', 'v_proj'], modulesToSave: ['embed_tokens'],
      loraR: 4, loraAlpha: 8, loraDropout: 0, lr: 2e-2, maxSteps: 12, batchSize: 4, warmup: 0, seed: 1,
    });
  } finally {
    await rt.close();
  }
  await mkdir(out, { recursive: true });
  for (const file of ['adapter_config.json', 'adapter_model.safetensors', 'README.md']) await copyFile(join(work, 'run', 'adapter', file), join(out, file));
  console.log(`wrote ${out}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
