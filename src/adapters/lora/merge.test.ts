// tuna merge: the merged model's logits equal the base with the adapter applied (within 1e-4),
// for a Linear model (Llama) and a Conv1D model (GPT-2, fan_in_fan_out).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CausalLM } from '../../models/model.js';
import { saveModelFolder } from '../../models/save.js';
import { Runtime } from '../../runtime/runtime.js';
import { mulberry32 } from '../../testing/random.js';
import { LoraModel, loraInput } from './lora-model.js';
import { mergeAdapter } from './merge.js';
import { testDir } from '../../testing/temp-dir.js';

const fixture = (v: string) => new URL(`../../../fixtures/models/${v}`, import.meta.url).pathname;

describe('merging an adapter', () => {
  const rt = new Runtime();
  after(() => rt.close());
  for (const variant of ['llama', 'gpt2']) {
    it(`${variant}: merged logits equal base + adapter`, async () => {
      const base = await CausalLM.load(fixture(variant));
      const lora = new LoraModel(base, { r: 4, loraAlpha: 8, targetModules: 'all-linear' }, 1);
      const rand = mulberry32(9);
      for (const t of lora.adapters.values()) for (let i = 0; i < t.b.length; i++) t.b[i] = (rand() - 0.5) * 0.5;
      const batch = { ids: [[1, 5, 9, 14, 2, 7], [1, 3, 3, 8, 0, 0]], attentionMask: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0]] };
      const { hook } = lora.hook({ dropout: false });
      const { g, logits } = base.buildForward({ batch: 2, length: 6, pastLength: 0, lastOnly: false }, hook);
      const exe = await rt.compile(g, { logits });
      const feeds: Record<string, Float32Array> = {};
      for (const [module, t] of lora.adapters) {
        feeds[loraInput(module, 'A')] = t.a;
        feeds[loraInput(module, 'B')] = t.b;
      }
      const withAdapter = (await exe.run({ ...Object.fromEntries(base.hostWeights()), ...feeds, ...base.batchFeeds(batch) })).logits!.data as Float32Array;

      const dir = join(testDir('tuna-merge-'), 'merged');
      await saveModelFolder(base, await mergeAdapter(rt, lora, base.floatWeights()), dir);
      const merged = await CausalLM.load(dir);
      const plain = (await merged.forward(rt, batch)).logits;
      let worst = 0;
      for (let i = 0; i < plain.length; i++) worst = Math.max(worst, Math.abs(plain[i]! - withAdapter[i]!));
      assert.ok(worst < 1e-4, `max abs difference ${worst}`);
      // The adapter changed the model: merging is not a no-op.
      const before = (await base.forward(rt, batch)).logits;
      assert.ok(before.some((v, i) => Math.abs(v - plain[i]!) > 1e-3));
    });
  }
});
