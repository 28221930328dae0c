// An int8 frozen base on the fixture checkpoints: every linear layer and the output head (tied or
// not) multiply in int8, and the head keeps its own weight for its gradient and for saving.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import { CausalLM } from '../../models/model.js';
import { Runtime } from '../../runtime/runtime.js';
import { LoraModel } from '../lora/lora-model.js';

const dir = (v: string) => new URL(`../../../fixtures/models/${v}`, import.meta.url).pathname;
const BATCH = { ids: [[3, 17, 9, 0], [5, 5, 2, 11]], attentionMask: [[1, 1, 1, 1], [0, 1, 1, 1]] };

const largest = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const worstDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('an int8 frozen base', () => {
  const rt = new Runtime();
  after(() => rt.close());

  for (const variant of ['llama', 'mistral', 'gpt_neox', 'gpt2']) {
    it(`${variant}: the output head multiplies in int8 too, its weight unchanged`, async () => {
      const reference = await CausalLM.load(dir(variant));
      const head = reference.arch.outputHead(reference.config).weight;
      const headWeight = reference.hostWeights().get(head)!.slice(); // forward moves the weights into the runtime
      const want = (await reference.forward(rt, BATCH)).logits;

      const layersOnly = await CausalLM.load(dir(variant));
      layersOnly.quantizeLinearInt8({ head: false });
      assert.equal(layersOnly.holdsInt8(head), false);
      const int8 = await CausalLM.load(dir(variant));
      int8.quantizeLinearInt8();
      assert.ok(int8.holdsInt8(head) && int8.isFrozenCompact(head));
      const kept = int8.floatWeights().get(head)!;
      assert.ok(kept.length === headWeight.length && kept.every((v, i) => v === headWeight[i]), 'the head weight itself is kept as it was');

      const withoutHead = (await layersOnly.forward(rt, BATCH)).logits;
      const got = (await int8.forward(rt, BATCH)).logits;
      // Each product is within the rounding of both operands (int8.test.ts): over these few layers
      // the logits stay within 4% of the largest, the head's own rounding within 2%.
      assert.ok(worstDiff(got, want) < 0.04 * largest(want), `logits differ by ${worstDiff(got, want)} (largest ${largest(want)})`);
      const headOnly = worstDiff(got, withoutHead);
      assert.ok(headOnly > 0 && headOnly < 0.02 * largest(want), `the head's int8 product moves the logits by ${headOnly}`);
    });
  }

  it('a QLoRA base (float16 head) gets int8 head codes from its float16 values', async () => {
    const layersOnly = await CausalLM.load(dir('mistral'), { frozen: true });
    layersOnly.quantizeLinearInt8({ head: false });
    const want = (await layersOnly.forward(rt, BATCH)).logits;
    const int8 = await CausalLM.load(dir('mistral'), { frozen: true });
    int8.quantizeLinearInt8();
    assert.ok(int8.holdsInt8(int8.arch.outputHead(int8.config).weight));
    const got = (await int8.forward(rt, BATCH)).logits;
    // The head's rounding alone (one product of int8 rows by int8 codes).
    assert.ok(worstDiff(got, want) > 0 && worstDiff(got, want) < 0.02 * largest(want), `logits differ by ${worstDiff(got, want)} (largest ${largest(want)})`);
  });

  it('refuses to train the tied embedding whose head it holds in int8', async () => {
    const model = await CausalLM.load(dir('llama'));
    assert.ok(model.config.tieWordEmbeddings, 'the fixture ties its head');
    model.quantizeLinearInt8();
    assert.throws(() => new LoraModel(model, { r: 2, modulesToSave: ['embed_tokens'] }), (e: Error) => e instanceof TunaInputError && /int8 codes/.test(e.message));
  });
});
