import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { LoraModel } from '../adapters/lora/lora-model.js';
import { TunaInputError } from '../errors.js';
import { Runtime } from '../runtime/runtime.js';
import { CausalLM } from './model.js';

const dir = (v: string) => new URL(`../../fixtures/models/${v}`, import.meta.url).pathname;
const BATCH = { ids: [[3, 17, 9, 0], [5, 5, 2, 11]], attentionMask: [[1, 1, 1, 1], [0, 1, 1, 1]] };

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Logits within float16 rounding of the float32 model's: 2e-3 of their largest magnitude. */
function assertLogitsClose(got: Float32Array, want: Float32Array) {
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const diff = maxAbsDiff(got, want);
  assert.ok(diff < 2e-3 * scale, `logits differ by ${diff} (largest ${scale})`);
}

describe('a frozen base (QLoRA): embedding rows read on demand, float16 matrices', () => {
  const rt = new Runtime();
  after(() => rt.close());

  for (const variant of ['mistral', 'gpt_neox', 'llama', 'gpt2']) {
    it(`${variant}: logits as with float32 tables held in memory, within float16 rounding`, async () => {
      const held = await CausalLM.load(dir(variant));
      const frozen = await CausalLM.load(dir(variant), { frozen: true });
      const lookup = frozen.arch.lookupOnlyEmbedding(frozen.config);
      if (lookup) {
        assert.ok(frozen.isFrozenCompact(lookup));
        assert.equal(frozen.hostWeights().has(lookup), false);
        assert.deepEqual(frozen.floatWeights().get(lookup), held.hostWeights().get(lookup), 'rows come from the file unchanged');
      }
      const linear = new Set(frozen.arch.linearModules(frozen.config).map((m) => `${m}.weight`));
      const matrices = [...frozen.shapes].filter(([k, s]) => s.length === 2 && !linear.has(k) && k !== lookup).map(([k]) => k);
      assert.ok(matrices.length > 0);
      for (const k of matrices) {
        assert.ok(frozen.isFrozenCompact(k), `${k} is held in float16`);
        assert.ok(maxAbsDiff(frozen.floatWeights().get(k)!, held.hostWeights().get(k)!) < 1e-3, k);
      }
      const a = await held.forward(rt, BATCH);
      const b = await frozen.forward(rt, BATCH);
      assertLogitsClose(b.logits, a.logits);
    });
  }

  it('refuses to train a tensor of a frozen base', async () => {
    const model = await CausalLM.load(dir('mistral'), { frozen: true });
    assert.throws(() => new LoraModel(model, { r: 2, modulesToSave: ['embed_tokens'] }), (e: Error) => e instanceof TunaInputError && /loaded frozen/.test(e.message));
  });
});

describe('weights moved into the runtime', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('are moved once when the first forward passes arrive together (a server just started)', async () => {
    const alone = await (await CausalLM.load(dir('llama'))).forward(rt, BATCH);
    const model = await CausalLM.load(dir('llama'), { frozen: true });
    const [a, b] = await Promise.all([model.forward(rt, BATCH), model.forward(rt, BATCH)]);
    const [first, second] = await Promise.all([model.residentWeights(rt), model.residentWeights(rt)]);
    assert.equal(first, second, 'one set of handles');
    for (const r of [a, b]) assertLogitsClose(r.logits, alone.logits);
  });
});
