import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSafetensors } from '../../io/safetensors.js';
import { CausalLM } from '../../models/model.js';
import { Runtime } from '../../runtime/runtime.js';
import { loadAdapter, saveAdapter } from './adapter-files.js';
import { LoraModel } from './lora-model.js';
import { testDir } from '../../testing/temp-dir.js';

const fixture = (v: string) => new URL(`../../../fixtures/models/${v}`, import.meta.url).pathname;

describe('LoRA', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('prints PEFT\'s trainable-parameters line', async () => {
    const model = await CausalLM.load(fixture('llama'));
    const lora = new LoraModel(model, { r: 4, loraAlpha: 8 });
    // 2 layers x (q_proj: 4*32 + 32*4, v_proj: 4*32 + 16*4) = 2 * (256 + 192) = 896
    const base = [...model.shapes.values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
    assert.equal(lora.trainableParameters(), 896);
    assert.equal(lora.trainableParametersLine(), `trainable params: 896 || all params: ${(base + 896).toLocaleString('en-US')} || trainable%: ${((100 * 896) / (base + 896)).toFixed(4)}`);
    const big = { trainable: 4194304, all: 6742609920 };
    assert.equal(`trainable params: ${big.trainable.toLocaleString('en-US')} || all params: ${big.all.toLocaleString('en-US')} || trainable%: ${((100 * big.trainable) / big.all).toFixed(4)}`,
      'trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: 0.0622');
  });

  it('resolves targets by name, regex and all-linear, and names the modules when nothing matches', async () => {
    const model = await CausalLM.load(fixture('llama'));
    assert.deepEqual(new LoraModel(model).modules, ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', 'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj']);
    assert.equal(new LoraModel(model, { targetModules: 'all-linear' }).modules.length, 14);
    assert.deepEqual(new LoraModel(model, { targetModules: '.*\\.1\\.mlp\\.(up|down)_proj' }).modules, ['model.layers.1.mlp.up_proj', 'model.layers.1.mlp.down_proj']);
    assert.deepEqual(new LoraModel(model, { targetModules: ['o_proj'], layersToTransform: [1] }).modules, ['model.layers.1.self_attn.o_proj']);
    assert.throws(() => new LoraModel(model, { targetModules: ['query'] }), /"query" match no module of this model; linear modules are: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj/);
    const gpt2 = await CausalLM.load(fixture('gpt2'));
    const conv = new LoraModel(gpt2);
    assert.deepEqual(conv.modules, ['transformer.h.0.attn.c_attn', 'transformer.h.1.attn.c_attn']);
    assert.equal(conv.config.fanInFanOut, true);
    assert.deepEqual(conv.features('transformer.h.0.attn.c_attn'), [32, 96]);
  });

  it('initialises A kaiming-uniform within 1/sqrt(in) and B at zero', async () => {
    const lora = new LoraModel(await CausalLM.load(fixture('llama')), { r: 4 });
    const t = lora.adapters.get('model.layers.0.self_attn.q_proj')!;
    const bound = 1 / Math.sqrt(32);
    assert.ok(t.a.every((v) => Math.abs(v) <= bound) && t.a.some((v) => Math.abs(v) > bound / 2));
    assert.ok(t.b.every((v) => v === 0));
  });

  it('writes PEFT\'s files: the same keys, shapes, dtypes and config fields as PEFT', async () => {
    const model = await CausalLM.load(fixture('llama'));
    const lora = new LoraModel(model, { r: 4, loraAlpha: 8, baseModelNameOrPath: 'fixtures/models/llama' });
    const dir = join(testDir('tuna-lora-'), 'adapter');
    await saveAdapter(lora, dir);
    const peftDir = join(fixture('llama'), 'peft_adapter');
    const ours = JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'));
    const theirs = JSON.parse(await readFile(join(peftDir, 'adapter_config.json'), 'utf8'));
    delete theirs.peft_version;
    assert.deepEqual(ours, theirs);
    const a = await openSafetensors(join(dir, 'adapter_model.safetensors'));
    const b = await openSafetensors(join(peftDir, 'adapter_model.safetensors'));
    const describe = (f: typeof a) => f.tensors.map((t) => [t.name, t.dtype, t.shape.join('x')]).sort();
    assert.deepEqual(describe(a), describe(b));
    assert.equal(a.metadata.format, 'pt');
  });

  it('loads an adapter written by PEFT and reproduces the reference logits', async () => {
    const model = await CausalLM.load(fixture('llama'));
    const { lora } = await loadAdapter(model, join(fixture('llama'), 'peft_adapter'));
    const expected = await openSafetensors(join(fixture('llama'), 'peft_adapter', 'expected.safetensors'));
    const ids = (await expected.read('input_ids')) as BigInt64Array;
    const mask = (await expected.read('attention_mask')) as BigInt64Array;
    const ref = await expected.readFloat32('lora_logits');
    const [b, t] = expected.info('input_ids').shape as [number, number];
    const rows = (x: BigInt64Array) => Array.from({ length: b }, (_, r) => Array.from(x.subarray(r * t, (r + 1) * t), Number));
    const { hook } = lora.hook({ dropout: false });
    const { g, logits } = model.buildForward({ batch: b, length: t, pastLength: 0, lastOnly: false }, hook);
    const exe = await rt.compile(g, { logits });
    const feeds: Record<string, Float32Array> = {};
    for (const [module, ad] of lora.adapters) {
      feeds[`${module}.lora_A.weight`] = ad.a;
      feeds[`${module}.lora_B.weight`] = ad.b;
    }
    const out = await exe.run({ ...Object.fromEntries(model.hostWeights()), ...feeds, ...model.batchFeeds({ ids: rows(ids), attentionMask: rows(mask) }) });
    const got = out.logits!.data as Float32Array;
    const maskRows = rows(mask);
    let worst = 0;
    for (let r = 0; r < b; r++) for (let i = 0; i < t; i++) {
      if (!maskRows[r]![i]) continue;
      for (let v = 0; v < 128; v++) worst = Math.max(worst, Math.abs(got[(r * t + i) * 128 + v]! - ref[(r * t + i) * 128 + v]!));
    }
    assert.ok(worst < 1e-4, `max abs error ${worst}`);
  });

  it('refuses adapter features it does not implement, naming the field', async () => {
    const model = await CausalLM.load(fixture('llama'));
    const dir = join(testDir('tuna-lora-'), 'a');
    await saveAdapter(new LoraModel(model), dir);
    const path = join(dir, 'adapter_config.json');
    const json = JSON.parse(await readFile(path, 'utf8'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, JSON.stringify({ ...json, use_dora: true }));
    await assert.rejects(loadAdapter(model, dir), /use_dora is true; DoRA adapters are not supported/);
    await assert.rejects(loadAdapter(model, join(dir, 'nope')), /adapter_config.json: not found; is this a PEFT adapter folder\?/);
  });
});
