// Gradient checkpointing and selective recomputation change what is kept between the forward and
// backward pass, never the result: gradients with and without them agree for every architecture.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { LoraModel, loraInput } from '../adapters/lora/lora-model.js';
import { lowerToOnnx } from '../onnx/lower.js';
import { Runtime, type Feed } from '../runtime/runtime.js';
import { collate } from '../train/batching.js';
import { buildMicroStep, type Trainable } from '../train/step-graphs.js';
import { CausalLM } from './model.js';

const VARIANTS = ['llama', 'qwen2', 'gpt2', 'gpt_neox'];
const dir = (v: string) => new URL(`../../fixtures/models/${v}`, import.meta.url).pathname;
const EXAMPLES = [
  { inputIds: [5, 9, 2, 31, 7, 4], labels: [-100, -100, 2, 31, 7, 4] },
  { inputIds: [8, 3, 12], labels: [8, 3, 12] },
];

async function gradients(rt: Runtime, model: CausalLM, trainables: Trainable[], feeds: Record<string, Feed>, hook?: Parameters<typeof buildMicroStep>[3]['hook']) {
  const c = collate(EXAMPLES, { rows: [0, 1], length: 6 }, 0);
  const { graph, outputs } = buildMicroStep(model, { batch: 2, length: 6 }, trainables, { accumulate: false, hook });
  const out = await (await rt.compile(graph, outputs)).run({
    ...feeds, ...model.batchFeeds({ ids: c.ids, attentionMask: c.mask }), targets: c.targets, loss_scale: new Float32Array([1 / c.tokens]),
  }, { ignoreUnknown: true });
  return { out, nodes: lowerToOnnx(graph, outputs).nodeCount };
}

function assertClose(a: Float32Array, b: Float32Array, what: string) {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

describe('gradient checkpointing in models', () => {
  const rt = new Runtime();
  after(() => rt.close());

  for (const variant of VARIANTS) {
    for (const mode of ['layers', 'selective'] as const) {
      it(`${variant}: full fine-tuning gradients are unchanged (${mode} recomputation)`, async () => {
        const model = await CausalLM.load(dir(variant));
        const trainables = [...model.shapes].map(([name, shape]) => ({ name, shape, decay: true }));
        const feeds = Object.fromEntries(model.hostWeights());
        const plain = await gradients(rt, model, trainables, feeds);
        if (mode === 'layers') model.gradientCheckpointing = true;
        else model.selectiveRecompute = true;
        const ckpt = await gradients(rt, model, trainables, feeds);
        assert.ok(ckpt.nodes > plain.nodes, `values are recomputed: ${ckpt.nodes} nodes vs ${plain.nodes}`);
        assertClose(ckpt.out.loss_sum!.data as Float32Array, plain.out.loss_sum!.data as Float32Array, 'loss');
        for (const t of trainables) assertClose(ckpt.out[`acc_out.${t.name}`]!.data as Float32Array, plain.out[`acc_out.${t.name}`]!.data as Float32Array, t.name);
      });
    }
  }

  it('recomputes selectively from a padded length on (LoRA\'s auto), with unchanged gradients', async () => {
    const model = await CausalLM.load(dir('llama'));
    const trainables = [...model.shapes].map(([name, shape]) => ({ name, shape, decay: true }));
    const feeds = Object.fromEntries(model.hostWeights());
    const plain = await gradients(rt, model, trainables, feeds);
    model.selectiveFromLength = 7; // the batch has 6 positions
    assert.equal((await gradients(rt, model, trainables, feeds)).nodes, plain.nodes, 'shorter batches keep their values');
    model.selectiveFromLength = 6;
    const long = await gradients(rt, model, trainables, feeds);
    model.selectiveFromLength = Infinity;
    model.selectiveRecompute = true;
    const selective = await gradients(rt, model, trainables, feeds);
    assert.ok(long.nodes > plain.nodes, `values are recomputed: ${long.nodes} nodes vs ${plain.nodes}`);
    assert.equal(long.nodes, selective.nodes, 'the same graph as selective recomputation');
    for (const t of trainables) assertClose(long.out[`acc_out.${t.name}`]!.data as Float32Array, plain.out[`acc_out.${t.name}`]!.data as Float32Array, t.name);
  });

  it('llama QLoRA: adapter gradients on 4-bit layers are unchanged', async () => {
    const model = await CausalLM.load(dir('llama'), { quantize: {} });
    const lora = new LoraModel(model, { r: 4, loraAlpha: 8, targetModules: 'all-linear' });
    const trainables: Trainable[] = [];
    const feeds: Record<string, Feed> = Object.fromEntries(await model.residentWeights(rt));
    let seed = 1;
    for (const [module, t] of lora.adapters) {
      for (const which of ['A', 'B'] as const) {
        const name = loraInput(module, which);
        const shape = which === 'A' ? [4, t.inFeatures] : [t.outFeatures, 4];
        feeds[name] = Float32Array.from({ length: shape[0]! * shape[1]! }, () => Math.sin(seed++) * 0.1);
        trainables.push({ name, shape, decay: true });
      }
    }
    const { hook } = lora.hook({ dropout: false });
    const plain = await gradients(rt, model, trainables, feeds, hook);
    model.gradientCheckpointing = true;
    const ckpt = await gradients(rt, model, trainables, feeds, hook);
    assert.ok(ckpt.nodes > plain.nodes);
    for (const t of trainables) assertClose(ckpt.out[`acc_out.${t.name}`]!.data as Float32Array, plain.out[`acc_out.${t.name}`]!.data as Float32Array, t.name);
  });
});
