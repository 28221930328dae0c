// Loss and gradients of one fixed batch (padding and masked labels included) against the
// PyTorch reference (reference/models_reference.py): every weight for full fine-tuning, and the
// LoRA A/B tensors for the default targets.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { LoraModel, loraInput } from '../adapters/lora/lora-model.js';
import { openSafetensors, type SafetensorsFile } from '../io/safetensors.js';
import { CausalLM } from '../models/model.js';
import { Runtime, type Feed } from '../runtime/runtime.js';
import { collate, type TrainExample } from './batching.js';
import { buildMicroStep, type Trainable } from './step-graphs.js';
import { decays } from './targets.js';

const VARIANTS = ['llama', 'llama3_rope', 'llama_linear_bias', 'mistral', 'qwen2', 'gpt2', 'gpt_neox'];
const dir = (v: string) => new URL(`../../fixtures/models/${v}`, import.meta.url).pathname;

async function batchOf(grads: SafetensorsFile): Promise<TrainExample[]> {
  const ids = (await grads.read('input_ids')) as BigInt64Array;
  const mask = (await grads.read('attention_mask')) as BigInt64Array;
  const labels = (await grads.read('labels')) as BigInt64Array;
  const [b, t] = grads.info('input_ids').shape as [number, number];
  return Array.from({ length: b }, (_, r) => {
    const n = Array.from(mask.subarray(r * t, (r + 1) * t)).filter((v) => v === 1n).length;
    return {
      inputIds: Array.from(ids.subarray(r * t, r * t + n), Number),
      labels: Array.from(labels.subarray(r * t, r * t + n), Number),
    };
  });
}

/** Max |a - b| / max(|b|_inf, 1e-8): a relative error over the whole tensor. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let scale = 1e-8;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / scale;
}

async function lossAndGrads(rt: Runtime, model: CausalLM, examples: TrainExample[], trainables: Trainable[], extra: Record<string, Feed>, hook?: Parameters<typeof buildMicroStep>[3]['hook']) {
  const length = Math.max(...examples.map((e) => e.inputIds.length));
  const c = collate(examples, { rows: examples.map((_, i) => i), length }, 0);
  const { graph, outputs } = buildMicroStep(model, { batch: examples.length, length }, trainables, { accumulate: false, hook });
  const exe = await rt.compile(graph, outputs);
  const weights = Object.fromEntries(model.hostWeights());
  const out = await exe.run({
    ...weights, ...extra, ...model.batchFeeds({ ids: c.ids, attentionMask: c.mask }),
    targets: c.targets, loss_scale: new Float32Array([1 / c.tokens]),
  });
  return { loss: (out.loss_sum!.data[0] as number) / c.tokens, grads: out };
}

describe('gradient parity with the PyTorch reference', () => {
  const rt = new Runtime();
  after(() => rt.close());

  for (const variant of VARIANTS) {
    const present = existsSync(`${dir(variant)}/grads.safetensors`);
    it(`${variant}: full fine-tuning loss and every weight's gradient`, { skip: !present && 'fixture missing' }, async () => {
      const model = await CausalLM.load(dir(variant));
      const ref = await openSafetensors(`${dir(variant)}/grads.safetensors`);
      const trainables = [...model.shapes].map(([name, shape]) => ({ name, shape, decay: decays(name) }));
      const { loss, grads } = await lossAndGrads(rt, model, await batchOf(ref), trainables, {});
      const expectedLoss = (await ref.readFloat32('loss'))[0]!;
      assert.ok(Math.abs(loss - expectedLoss) / expectedLoss < 1e-5, `loss ${loss} vs ${expectedLoss}`);
      let worst = 0;
      for (const t of trainables) {
        const err = relativeError(grads[`acc_out.${t.name}`]!.data as Float32Array, await ref.readFloat32(`grad.${t.name}`));
        worst = Math.max(worst, err);
        assert.ok(err < 1e-3, `${t.name}: relative error ${err}`);
      }
      console.log(`${variant}: loss ${loss.toFixed(6)} (ref ${expectedLoss.toFixed(6)}), worst gradient relative error ${worst.toExponential(2)}`);
    });

    it(`${variant}: LoRA loss and A/B gradients`, { skip: !present && 'fixture missing' }, async () => {
      const model = await CausalLM.load(dir(variant));
      const ref = await openSafetensors(`${dir(variant)}/grads.safetensors`);
      const lora = new LoraModel(model, { r: 4, loraAlpha: 8 });
      const trainables: Trainable[] = [];
      const extra: Record<string, Float32Array> = {};
      for (const [module, t] of lora.adapters) {
        for (const which of ['A', 'B'] as const) {
          const name = loraInput(module, which);
          extra[name] = await ref.readFloat32(`lora.${name}`);
          trainables.push({ name, shape: which === 'A' ? [4, t.inFeatures] : [t.outFeatures, 4], decay: true });
        }
      }
      assert.deepEqual(lora.modules.map((m) => `lora.${m}.lora_A.weight`), ref.tensors.map((t) => t.name).filter((n) => n.startsWith('lora.') && n.endsWith('lora_A.weight')).sort());
      const { hook } = lora.hook({ dropout: false });
      const { loss, grads } = await lossAndGrads(rt, model, await batchOf(ref), trainables, extra, hook);
      const expectedLoss = (await ref.readFloat32('lora_loss'))[0]!;
      assert.ok(Math.abs(loss - expectedLoss) / expectedLoss < 1e-5, `LoRA loss ${loss} vs ${expectedLoss}`);
      for (const t of trainables) {
        const err = relativeError(grads[`acc_out.${t.name}`]!.data as Float32Array, await ref.readFloat32(`lora_grad.${t.name}`));
        assert.ok(err < 1e-3, `${t.name}: relative error ${err}`);
      }
    });
  }
});
