import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { LoraModel } from '../adapters/lora/lora-model.js';
import { TunaInputError } from '../errors.js';
import { Runtime } from '../runtime/runtime.js';
import { CausalLM } from './model.js';

const dir = (v: string) => new URL(`../../fixtures/models/${v}`, import.meta.url).pathname;
const BATCH = { ids: [[3, 17, 9, 0], [5, 5, 2, 11]], attentionMask: [[1, 1, 1, 1], [0, 1, 1, 1]] };

describe('input embedding read on demand', () => {
  const rt = new Runtime();
  after(() => rt.close());

  for (const variant of ['mistral', 'gpt_neox']) {
    it(`${variant}: the same logits as the table held in memory, without holding it`, async () => {
      const held = await CausalLM.load(dir(variant));
      const onDemand = await CausalLM.load(dir(variant), { embeddingOnDemand: true });
      const key = onDemand.arch.lookupOnlyEmbedding(onDemand.config)!;
      assert.ok(onDemand.isOnDemand(key));
      assert.equal(onDemand.hostWeights().has(key), false);
      assert.deepEqual(onDemand.floatWeights().get(key), held.hostWeights().get(key));
      const a = await held.forward(rt, BATCH);
      const b = await onDemand.forward(rt, BATCH);
      assert.deepEqual(b.logits, a.logits);
    });
  }

  it('leaves a tied embedding in memory (it is also the output head)', async () => {
    const model = await CausalLM.load(dir('llama'), { embeddingOnDemand: true });
    assert.equal(model.isOnDemand('model.embed_tokens.weight'), false);
    assert.ok(model.hostWeights().has('model.embed_tokens.weight'));
  });

  it('refuses to train an embedding that is read on demand', async () => {
    const model = await CausalLM.load(dir('mistral'), { embeddingOnDemand: true });
    assert.throws(() => new LoraModel(model, { r: 2, modulesToSave: ['embed_tokens'] }), (e: Error) => e instanceof TunaInputError && /read on demand/.test(e.message));
  });
});
