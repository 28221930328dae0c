// The engine on a tiny random model: adapters fed by handle equal merged weights, adapters switch
// per request, stop strings, seeds and aborts.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LoraModel } from '../adapters/lora/lora-model.js';
import { saveAdapter } from '../adapters/lora/adapter-files.js';
import { TunaInputError } from '../errors.js';
import { initModel } from '../models/init-model.js';
import { CausalLM } from '../models/model.js';
import { Runtime } from '../runtime/runtime.js';
import type { GenerationRequest } from './engine.js';
import { ModelEngine } from './model-engine.js';
import { uploadAdapter } from '../generate/resident-adapter.js';
import { writeRandomAdapter } from './testing/random-adapter.js';

let root: string;
let dir: string;
let loraA: LoraModel;
let rt: Runtime;
let engine: ModelEngine;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tuna-serve-engine-'));
  dir = (await initModel({ arch: 'llama', preset: 'tiny', out: join(root, 'base'), seed: 3 })).dir;
  const base = await CausalLM.load(dir);
  loraA = await writeRandomAdapter(base, join(root, 'a'), 1);
  await writeRandomAdapter(base, join(root, 'b'), 2);
  await saveAdapter(new LoraModel(base, { r: 4, targetModules: ['q_proj', 'v_proj', 'o_proj', 'down_proj'] }, 9), join(root, 'zero'));
  rt = new Runtime({ threads: 1 });
  engine = await ModelEngine.load({ dir, id: 'tiny', adapters: { a: join(root, 'a'), b: join(root, 'b'), zero: join(root, 'zero') }, runtime: rt });
});

after(async () => {
  await engine?.close();
  await rt?.close();
  await rm(root, { recursive: true, force: true });
});

const prompt = () => engine.tokenize(engine.applyChatTemplate([{ role: 'user', content: 'Tell me about tuna.' }]), { addSpecialTokens: false });
const greedy = (model: string, extra: Partial<GenerationRequest> = {}) =>
  engine.generate({ model, promptTokens: prompt(), maxTokens: 6, temperature: 0, topP: 1, stop: [], ...extra });

test('an uploaded adapter fed by handle gives the logits of the merged weights', async () => {
  const base = await CausalLM.load(dir);
  const weights = base.hostWeights();
  const merged = new Map([...weights].map(([name, w]) => [name, Float32Array.from(w)]));
  for (const [module, t] of loraA.adapters) {
    const w = merged.get(`${module}.weight`)!; // (out, in) += scale * B (out, r) @ A (r, in)
    const r = loraA.config.r;
    for (let o = 0; o < t.outFeatures; o++) {
      for (let i = 0; i < t.inFeatures; i++) {
        let sum = 0;
        for (let k = 0; k < r; k++) sum += t.b[o * r + k]! * t.a[k * t.inFeatures + i]!;
        w[o * t.inFeatures + i] += loraA.scale * sum;
      }
    }
  }
  const plain = CausalLM.fromWeights(`${dir}#plain`, base.config, weights);
  const mergedModel = CausalLM.fromWeights(`${dir}#merged`, base.config, merged);
  const served = await uploadAdapter(rt, plain, 'check', join(root, 'a'));
  const ids = [[5, 80, 200, 31, 7]];
  const shape = { batch: 1, length: 5, pastLength: 0, lastOnly: false };
  const run = async (model: CausalLM, adapter?: typeof served.adapter) => {
    const exe = await model.compiledForward(rt, shape, adapter);
    const feeds = { ...model.batchFeeds({ ids }), ...Object.fromEntries(await model.residentWeights(rt)), ...adapter?.feeds };
    return (await exe.run(feeds, { fetch: ['logits'] })).logits!.data as Float32Array;
  };
  const withAdapter = await run(plain, served.adapter);
  const expected = await run(mergedModel);
  const without = await run(plain);
  let worst = 0;
  let changed = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(withAdapter[i]! - expected[i]!));
    changed = Math.max(changed, Math.abs(without[i]! - expected[i]!));
  }
  assert.ok(worst < 1e-4, `adapter logits differ from merged weights by ${worst}`);
  assert.ok(changed > 1e-3, `the adapter barely changes the logits (${changed})`);
});

test('each request runs on its own adapter, switched without reloading', async () => {
  const base = await greedy('tiny');
  const a = await greedy('a');
  const b = await greedy('b');
  assert.equal(base.completionTokens, 6);
  assert.notEqual(a.text, base.text);
  assert.notEqual(b.text, base.text);
  assert.notEqual(a.text, b.text);
  assert.deepEqual(await greedy('a'), a, 'a after b answers as a did before');
  assert.deepEqual(await greedy('zero'), base, 'an adapter with B = 0 changes nothing');
  assert.deepEqual(engine.listModels().map((m) => [m.id, m.parent]), [['tiny', undefined], ['a', 'tiny'], ['b', 'tiny'], ['zero', 'tiny']]);
});

test('a stop string ends the text before it, with finish reason stop', async () => {
  const full = await greedy('a', { maxTokens: 8 });
  const stop = full.text.slice(2, 4);
  assert.equal(stop.length, 2, `need a longer text than ${JSON.stringify(full.text)}`);
  const cut = await greedy('a', { maxTokens: 8, stop: ['never there', stop] });
  assert.equal(cut.text, full.text.slice(0, full.text.indexOf(stop)));
  assert.equal(cut.finishReason, 'stop');
  assert.equal(full.finishReason, 'length');
});

test('sampling with a seed repeats; streamed pieces add up to the text', async () => {
  const pieces: string[] = [];
  const first = await greedy('b', { temperature: 1, topP: 0.9, seed: 5, onText: (t) => pieces.push(t) });
  const second = await greedy('b', { temperature: 1, topP: 0.9, seed: 5 });
  assert.deepEqual(second, first);
  assert.equal(pieces.join(''), first.text);
});

test('aborting stops a running generation; unknown models are refused', async () => {
  const controller = new AbortController();
  let pieces = 0;
  await assert.rejects(
    greedy('a', { maxTokens: 40, signal: controller.signal, onText: () => (pieces++, controller.abort()) }),
    { name: 'AbortError' },
  );
  assert.ok(pieces <= 2, `${pieces} pieces arrived after the abort`);
  await assert.rejects(greedy('nope'), (e) => e instanceof TunaInputError && /model "nope" is not served; served: tiny, a, b, zero/.test(e.message));
});
