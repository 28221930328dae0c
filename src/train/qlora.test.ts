import assert from 'node:assert/strict';

import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadAdapter, saveAdapter } from '../adapters/lora/adapter-files.js';
import { LoraModel } from '../adapters/lora/lora-model.js';
import { CausalLM } from '../models/model.js';
import { Runtime } from '../runtime/runtime.js';
import type { TrainExample } from './batching.js';
import { loraTarget } from './targets.js';
import { train, type TrainOptions } from './trainer.js';
import { testDir } from '../testing/temp-dir.js';

const fixture = new URL('../../fixtures/models/llama', import.meta.url).pathname;
const EXAMPLES: TrainExample[] = Array.from({ length: 8 }, (_, i) => {
  const prompt = [1, 10 + i, 20 + i, 30];
  const answer = [40 + ((i * 7) % 50), 90 + ((i * 3) % 30), 2];
  return { inputIds: [...prompt, ...answer], labels: [...prompt.map(() => -100), ...answer] };
});

describe('QLoRA', () => {
  const rt = new Runtime();
  after(() => rt.close());

  async function run(quantize: boolean) {
    const model = await CausalLM.load(fixture);
    if (quantize) model.quantizeLinearWeights({ blocksize: 64, doubleQuant: true });
    const lora = new LoraModel(model, { r: 8, loraAlpha: 16, targetModules: 'all-linear' }, 5);
    const losses: number[] = [];
    const options: TrainOptions = {
      outDir: testDir('tuna-qlora-'), epochs: 30, lr: 2e-2, batchSize: 4, gradAccum: 1, schedule: 'constant',
      weightDecay: 0, maxGradNorm: 0.3, beta1: 0.9, beta2: 0.999, eps: 1e-8, keepCheckpoints: 1, seed: 1, onStep: (m) => losses.push(m.loss),
    };
    const result = await train(rt, loraTarget(lora, `qlora-${quantize}`), EXAMPLES, [], options);
    return { model, lora, losses, result };
  }

  it('keeps linear weights as 4-bit codes and lowers the loss like LoRA does', async () => {
    const q = await run(true);
    assert.equal(q.model.quantized.size, 14);
    const resident = await rt.download(`${q.model.residentPrefix}#model.layers.0.self_attn.q_proj.weight`);
    assert.equal(resident.dtype, 'uint8');
    assert.equal(resident.data.length, (32 * 32) / 2);
    const plain = await run(false);
    const drop = (l: number[]) => l[0]! / l[l.length - 1]!;
    console.log(`loss: QLoRA ${q.losses[0]!.toFixed(3)} -> ${q.losses.at(-1)!.toFixed(4)}, LoRA ${plain.losses[0]!.toFixed(3)} -> ${plain.losses.at(-1)!.toFixed(4)}`);
    assert.ok(drop(q.losses) > 5, `QLoRA loss ${q.losses[0]} -> ${q.losses[q.losses.length - 1]}`);
    assert.ok(drop(q.losses) > drop(plain.losses) / 3, `QLoRA drop ${drop(q.losses)} vs LoRA ${drop(plain.losses)}`);

    // The adapter loads on the full-precision base.
    for (const [module, t] of q.lora.adapters) {
      t.a.set(q.result.trained.get(`${module}.lora_A.weight`)!);
      t.b.set(q.result.trained.get(`${module}.lora_B.weight`)!);
    }
    const dir = join(testDir('tuna-qlora-'), 'adapter');
    await saveAdapter(q.lora, dir);
    const loaded = await loadAdapter(await CausalLM.load(fixture), dir);
    assert.deepEqual([...loaded.lora.adapters.keys()], [...q.lora.adapters.keys()]);
  });
});
