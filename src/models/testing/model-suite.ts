// The conformance suite every architecture runs: KV-cache decoding equals full recompute, a
// batch equals its rows alone, padding changes nothing at real positions, and logits match the
// reference fixtures written from transformers' definitions (fixtures/models/<variant>/).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTokens } from '../../generate/generator.js';
import { argmax } from '../../generate/sampling.js';
import { openSafetensors } from '../../io/safetensors.js';
import type { Runtime } from '../../runtime/runtime.js';
import { mulberry32 } from '../../testing/random.js';
import type { InitArchitecture } from '../init-model.js';
import { normalGenerator } from '../init-model-weights.js';
import { CausalLM } from '../model.js';
import { tinyModelFolder } from './tiny-model-folder.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/models/', import.meta.url));
const PARITY_TOLERANCE = 1e-4;

/**
 * The tiny init-model folder with weights redrawn larger (matrices N(0, 1/fan_in), embeddings
 * N(0, 1/hidden), norms 1 + 0.1 N, biases 0.1 N): at transformers' 0.02 the layers barely move the
 * residual stream, and greedy decoding would repeat the last token whatever the cache held.
 */
export async function sharpenedTinyModel(arch: InitArchitecture): Promise<CausalLM> {
  const dir = await tinyModelFolder(arch);
  const model = await CausalLM.load(dir);
  const normal = normalGenerator(17);
  const conv1d = model.arch.conv1dModules ?? [];
  const weights = new Map<string, Float32Array>();
  for (const [name, data] of model.hostWeights()) {
    const shape = model.shapes.get(name)!;
    const fresh = new Float32Array(data.length);
    const isConv1d = conv1d.some((m) => name.endsWith(`${m}.weight`));
    const embedding = /(embed|wte|wpe)/.test(name) && !name.startsWith('embed_out');
    const std = name.endsWith('.bias') ? 0.1 : shape.length === 1 ? 0.1 : embedding ? 1 / Math.sqrt(model.config.hiddenSize) : 1 / Math.sqrt(isConv1d ? shape[0]! : shape[1]!);
    const mean = shape.length === 1 && !name.endsWith('.bias') ? 1 : 0;
    for (let i = 0; i < fresh.length; i++) fresh[i] = mean + std * normal();
    weights.set(name, fresh);
  }
  return CausalLM.fromWeights(`${dir}#sharpened`, model.config, weights);
}

function randomPrompt(seed: number, length: number, vocab: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length }, () => 3 + Math.floor(random() * (vocab - 3)));
}

/**
 * Largest |a - b| between `positions` rows of batch logits (B, T, V), starting at row `row`, column
 * `start`, and the first positions of a single sequence's logits (1, T', V).
 */
function maxDiffAt(a: Float32Array, row: number, width: number, start: number, b: Float32Array, positions: number, vocab: number): number {
  let max = 0;
  for (let i = 0; i < positions; i++) {
    for (let v = 0; v < vocab; v++) max = Math.max(max, Math.abs(a[(row * width + start + i) * vocab + v]! - b[i * vocab + v]!));
  }
  return max;
}

/** Greedy tokens recomputing the whole sequence each step (one right-padded shape, so one compile). */
async function greedyByRecompute(rt: Runtime, model: CausalLM, prompt: number[], steps: number): Promise<number[]> {
  const width = prompt.length + steps;
  const sequence = [...prompt];
  for (let s = 0; s < steps; s++) {
    const ids = [...sequence, ...new Array<number>(width - sequence.length).fill(0)];
    const mask = ids.map((_, j) => (j < sequence.length ? 1 : 0));
    const out = await model.forward(rt, { ids: [ids], attentionMask: [mask] });
    sequence.push(argmax(out.logits, (sequence.length - 1) * out.vocab, out.vocab));
  }
  return sequence.slice(prompt.length);
}

/** Fixture variants (folder names) whose config.json has this model_type and that hold expected logits. */
export function fixtureVariants(modelType: string): string[] {
  if (!existsSync(FIXTURES)) return [];
  return readdirSync(FIXTURES).filter((variant) => {
    const config = join(FIXTURES, variant, 'config.json');
    if (!existsSync(config) || !existsSync(join(FIXTURES, variant, 'expected.safetensors'))) return false;
    return (JSON.parse(readFileSync(config, 'utf8')) as { model_type?: string }).model_type === modelType;
  }).sort();
}

async function checkFixture(t: TestContext, rt: Runtime, variant: string): Promise<void> {
  const dir = join(FIXTURES, variant);
  const model = await CausalLM.load(dir);
  const expected = await openSafetensors(join(dir, 'expected.safetensors'));
  const [b, seqLen] = expected.info('input_ids').shape as [number, number];
  const rows = async (name: string) => {
    const flat = await expected.read(name);
    return Array.from({ length: b }, (_, r) => Array.from({ length: seqLen }, (_, i) => Number(flat[r * seqLen + i])));
  };
  const ids = await rows('input_ids');
  const mask = await rows('attention_mask');
  const reference = await expected.readFloat32('logits');
  const out = await model.forward(rt, { ids, attentionMask: mask });
  const vocab = out.vocab;
  let max = 0;
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < seqLen; i++) {
      if (!mask[r]![i]) continue;
      for (let v = 0; v < vocab; v++) {
        const at = (r * seqLen + i) * vocab + v;
        max = Math.max(max, Math.abs(out.logits[at]! - reference[at]!));
      }
    }
  }
  t.diagnostic(`${variant}: max |logits - reference| = ${max.toExponential(2)}`);
  assert.ok(max < PARITY_TOLERANCE, `${variant}: logits differ from the reference by up to ${max} (tolerance ${PARITY_TOLERANCE})`);
}

export function runModelSuite(arch: InitArchitecture, runtime: () => Runtime): void {
  let model: CausalLM;
  const rt = () => runtime();
  const load = async () => (model ??= await sharpenedTinyModel(arch));
  const short = () => randomPrompt(1, 5, model.vocabSize);
  const long = () => randomPrompt(2, 11, model.vocabSize);

  test(`${arch}: KV-cache decoding gives the greedy tokens of full recomputation`, async () => {
    await load();
    for (const prompt of [short(), long()]) {
      const cached = await generateTokens(rt(), model, [prompt], { maxNewTokens: 8 });
      const recomputed = await greedyByRecompute(rt(), model, prompt, 8);
      assert.deepEqual(cached.tokens[0], recomputed);
      assert.ok(new Set(recomputed).size > 1, 'the check is weak if the model repeats one token');
    }
  });

  test(`${arch}: a batch of two prompts of different lengths equals each prompt alone`, async () => {
    await load();
    const [a, b] = [short(), long()];
    const both = await generateTokens(rt(), model, [a, b], { maxNewTokens: 8 });
    const alone = [(await generateTokens(rt(), model, [a], { maxNewTokens: 8 })).tokens[0], (await generateTokens(rt(), model, [b], { maxNewTokens: 8 })).tokens[0]];
    assert.deepEqual(both.tokens, alone);

    // Logits of a left-padded batch at the real positions.
    const padded = { ids: [[...new Array<number>(b.length - a.length).fill(0), ...a], b], attentionMask: [[...new Array<number>(b.length - a.length).fill(0), ...a.map(() => 1)], b.map(() => 1)] };
    const batch = await model.forward(rt(), padded);
    const singleA = await model.forward(rt(), { ids: [a] });
    const singleB = await model.forward(rt(), { ids: [b] });
    assert.ok(maxDiffAt(batch.logits, 0, b.length, b.length - a.length, singleA.logits, a.length, model.vocabSize) < 1e-4);
    assert.ok(maxDiffAt(batch.logits, 1, b.length, 0, singleB.logits, b.length, model.vocabSize) < 1e-4);
  });

  test(`${arch}: right padding leaves the logits at real positions unchanged`, async () => {
    await load();
    const a = short();
    const width = 11;
    const ids = [...a, ...new Array<number>(width - a.length).fill(7)];
    const mask = ids.map((_, j) => (j < a.length ? 1 : 0));
    const padded = await model.forward(rt(), { ids: [ids], attentionMask: [mask] });
    const alone = await model.forward(rt(), { ids: [a] });
    assert.ok(maxDiffAt(padded.logits, 0, width, 0, alone.logits, a.length, model.vocabSize) < 1e-5);
  });

  const variants = fixtureVariants(arch);
  test(`${arch}: logits match the reference fixtures (${variants.join(', ') || 'none present'})`, { skip: variants.length === 0 && 'no fixtures/models/<variant>/expected.safetensors for this architecture' }, async (t) => {
    for (const variant of variants) await checkFixture(t, rt(), variant);
  });
}
