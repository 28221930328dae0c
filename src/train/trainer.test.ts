import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LoraModel } from '../adapters/lora/lora-model.js';
import { writeFolderAtomically } from '../io/atomic-dir.js';
import { CausalLM } from '../models/model.js';
import { generateTokens } from '../generate/generator.js';
import { Runtime } from '../runtime/runtime.js';
import type { TrainExample } from './batching.js';
import { listCheckpoints } from './checkpoint.js';
import { loraTarget, fullTarget } from './targets.js';
import { NonFiniteLossError, train, type TrainOptions } from './trainer.js';
import { testDir } from '../testing/temp-dir.js';

const fixture = new URL('../../fixtures/models/llama', import.meta.url).pathname;

// Eight "question -> answer" sequences over the fixture's 128-token vocabulary: prompt tokens
// are masked, answers (ending in EOS = 2) are learned.
const EXAMPLES: TrainExample[] = Array.from({ length: 8 }, (_, i) => {
  const prompt = [1, 10 + i, 20 + i, 30];
  const answer = [40 + ((i * 7) % 50), 90 + ((i * 3) % 30), 2];
  return { inputIds: [...prompt, ...answer], labels: [...prompt.map(() => -100), ...answer] };
});

const base = (outDir: string): TrainOptions => ({
  outDir, epochs: 1, lr: 1e-2, batchSize: 4, gradAccum: 1, schedule: 'constant', weightDecay: 0, maxGradNorm: 1,
  beta1: 0.9, beta2: 0.999, eps: 1e-8, keepCheckpoints: 2, seed: 7,
});

async function run(rt: Runtime, options: Partial<TrainOptions> & { outDir: string }, method: 'lora' | 'full' = 'lora') {
  const model = await CausalLM.load(fixture);
  const lora = new LoraModel(model, { r: 8, loraAlpha: 16, targetModules: 'all-linear', loraDropout: 0.1 }, 3);
  const target = method === 'lora' ? loraTarget(lora, `run-${options.outDir}`) : fullTarget(model);
  const losses: number[] = [];
  const result = await train(rt, target, EXAMPLES, EXAMPLES.slice(0, 2), { ...base(options.outDir), ...options, onStep: (m) => losses.push(m.loss) });
  return { result, losses, model, lora };
}

const tmp = () => testDir('tuna-train-');

describe('trainer', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('holds the graphs of one batch length at a time, in runs of equal lengths, and frees them at the end', async () => {
    // Three padded lengths (16, 32, 48), two micro-batches per step so each length has two graphs.
    const lengths = [5, 20, 40, 6, 21, 41, 7, 22, 42, 8, 23, 43];
    const examples: TrainExample[] = lengths.map((n, i) => {
      const ids = Array.from({ length: n }, (_, t) => 3 + ((i * 11 + t * 7) % 120));
      return { inputIds: ids, labels: ids };
    });
    const model = await CausalLM.load(fixture);
    const lora = new LoraModel(model, { r: 4, loraAlpha: 8, targetModules: 'all-linear', loraDropout: 0.1 }, 3);
    const before = rt.sessionCount;
    const live: number[] = [];
    await train(rt, loraTarget(lora, 'one-shape'), examples, examples.slice(0, 3), {
      ...base(await tmp()), batchSize: 2, gradAccum: 2, epochs: 2, evalEvery: 2, onStep: () => live.push(rt.sessionCount - before),
    });
    assert.ok(live.every((n) => n <= 2), `sessions after each step: ${live.join(', ')}`);
    assert.equal(rt.sessionCount, before);
  });

  it('LoRA drives the loss down by 10x and the adapter reproduces the memorised answers greedily', async () => {
    const outDir = await tmp();
    const { result, losses, model, lora } = await run(rt, { outDir, epochs: 60, lr: 2e-2, schedule: 'cosine', warmupSteps: 5 });
    assert.ok(losses[losses.length - 1]! < losses[0]! / 10, `loss ${losses[0]} -> ${losses[losses.length - 1]}`);
    // Put the trained adapter into a fresh LoRA model and decode greedily with its hook.
    for (const [module, t] of lora.adapters) {
      t.a.set(result.trained.get(`${module}.lora_A.weight`)!);
      t.b.set(result.trained.get(`${module}.lora_B.weight`)!);
    }
    const merged = CausalLM.fromWeights(`${fixture}#merged`, model.config, await mergedWeights(rt, model, lora));
    const prompts = EXAMPLES.map((e) => e.inputIds.slice(0, 4));
    const out = await generateTokens(rt, merged, prompts, { maxNewTokens: 4, eosTokenIds: [2] });
    out.tokens.forEach((tokens, i) => assert.deepEqual(tokens, EXAMPLES[i]!.inputIds.slice(4, 6), `example ${i}`));
    const metrics = (await readFile(join(outDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(metrics[0].step, 1);
    for (const key of ['epoch', 'loss', 'lr', 'grad_norm', 'tokens_per_s', 'elapsed']) assert.ok(key in metrics[0], key);
    assert.ok(metrics.some((m) => 'eval_loss' in m));
  });

  it('full fine-tuning lowers the loss', async () => {
    const { losses } = await run(rt, { outDir: await tmp(), epochs: 15, lr: 3e-3 }, 'full');
    assert.ok(losses[losses.length - 1]! < losses[0]! / 3, `loss ${losses[0]} -> ${losses[losses.length - 1]}`);
  });

  it('two accumulated micro-batches update every weight as one batch of both (clipping, decay, no-decay norms)', async () => {
    // A large eps keeps the comparison away from the sign of near-zero gradients, where float noise decides.
    const options = { epochs: 1, maxSteps: 2, lr: 1e-2, weightDecay: 0.1, maxGradNorm: 0.5, eps: 1e-3 };
    const examples = EXAMPLES.slice(0, 4);
    const once = async (batchSize: number, gradAccum: number) => {
      const model = await CausalLM.load(fixture);
      const norms: number[] = [];
      const result = await train(rt, fullTarget(model), examples, [], {
        ...base(await tmp()), ...options, batchSize, gradAccum, onStep: (m) => norms.push(m.grad_norm),
      });
      return { trained: result.trained, norms, model };
    };
    const whole = await once(4, 1);
    const split = await once(2, 2);
    assert.ok(whole.norms[0]! > 0.5, `clipping is exercised (norm ${whole.norms[0]})`);
    whole.norms.forEach((n, i) => assert.ok(Math.abs(n - split.norms[i]!) < 1e-5 * n, `grad norm ${i}: ${n} vs ${split.norms[i]}`));
    const initial = await CausalLM.load(fixture);
    for (const [name, w] of whole.trained) {
      const s = split.trained.get(name)!;
      let worst = 0;
      w.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - s[i]!))));
      assert.ok(worst < 2e-6, `${name}: max difference ${worst}`);
      const before = initial.hostWeights().get(name)!;
      assert.ok(w.some((x, i) => x !== before[i]), `${name} was updated`);
    }
  });

  it('a resumed run continues the uninterrupted loss curve', async () => {
    const options = { epochs: 4, gradAccum: 2, batchSize: 2, schedule: 'linear' as const, warmupSteps: 2, saveEvery: 3 };
    const whole = await run(rt, { ...options, outDir: await tmp() });
    const outDir = await tmp();
    const controller = new AbortController();
    const first = await train(rt, loraTarget(new LoraModel(await CausalLM.load(fixture), { r: 8, loraAlpha: 16, targetModules: 'all-linear', loraDropout: 0.1 }, 3), 'resume-a'),
      EXAMPLES, EXAMPLES.slice(0, 2), { ...base(outDir), ...options, signal: controller.signal, onStep: (m) => m.step === 5 && controller.abort() });
    assert.equal(first.interrupted, true);
    assert.equal(first.steps, 5);
    assert.deepEqual(await listCheckpoints(outDir), [3, 5]);
    const resumed = await run(rt, { ...options, outDir, resume: 'latest' });
    assert.equal(resumed.losses.length, whole.losses.length - 5);
    resumed.losses.forEach((l, i) => assert.ok(Math.abs(l - whole.losses[i + 5]!) < 1e-5, `step ${i + 6}: ${l} vs ${whole.losses[i + 5]}`));
  });

  it('stops on a non-finite loss and keeps the last good checkpoint', async () => {
    const outDir = await tmp();
    await assert.rejects(run(rt, { outDir, epochs: 20, lr: 1e30, saveEvery: 1, maxGradNorm: 0 }),
      (e: unknown) => e instanceof NonFiniteLossError && /stopped without saving that step/.test(e.message));
    const kept = await listCheckpoints(outDir);
    assert.ok(kept.length > 0);
  });

  it('never leaves a half-written checkpoint', async () => {
    const outDir = await tmp();
    await assert.rejects(writeFolderAtomically(join(outDir, 'checkpoint-9'), async () => { throw new Error('disk full'); }), /disk full/);
    assert.deepEqual(await readdir(outDir), []);
    assert.deepEqual(await listCheckpoints(outDir), []);
  });
});

/** Base weights with each adapter merged (W + s B A): greedy decoding through the plain model. */
async function mergedWeights(rt: Runtime, model: CausalLM, lora: LoraModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name] of model.shapes) out.set(name, (await rt.download(`${model.residentPrefix}#${name}`)).data as Float32Array);
  for (const [module, t] of lora.adapters) {
    const w = out.get(`${module}.weight`)!;
    const r = lora.config.r;
    for (let o = 0; o < t.outFeatures; o++) for (let i = 0; i < t.inFeatures; i++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += t.b[o * r + k]! * t.a[k * t.inFeatures + i]!;
      w[o * t.inFeatures + i]! += lora.scale * s;
    }
  }
  return out;
}
