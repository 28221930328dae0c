/** init-model: folders that load back, byte-identical for a seed, configs written as transformers writes them. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TunaInputError } from '../errors.js';
import { openSafetensors } from '../io/safetensors.js';
import { Runtime } from '../runtime/runtime.js';
import { loadTokenizer } from '../tokenizer/index.js';
import { configFileText, hfConfigJson, PRESET_SIZES, pythonFloat } from './init-model-config.js';
import { INIT_ARCHITECTURES, initModel } from './init-model.js';
import { CausalLM } from './model.js';
import { tempRoot, tinyModelFolder } from './testing/tiny-model-folder.js';

const fixtures = fileURLToPath(new URL('../../fixtures/models/', import.meta.url));
let rt: Runtime;
before(() => (rt = new Runtime({ threads: 1 })));
after(() => rt.close());

for (const arch of INIT_ARCHITECTURES) {
  test(`${arch}: the tiny folder loads as a model and a tokenizer, and runs`, async () => {
    const dir = await tinyModelFolder(arch);
    const model = await CausalLM.load(dir);
    const tok = await loadTokenizer(dir);
    assert.equal(model.config.modelType, arch);
    assert.equal(model.config.hiddenSize, 64);
    assert.equal(model.vocabSize, tok.vocabSize);
    assert.equal(model.config.bosTokenId, tok.bosTokenId);
    assert.equal(model.config.padTokenId, tok.padTokenId);
    assert.ok(tok.eosTokenIds.includes(tok.eosTokenId!));
    assert.ok(tok.hasChatTemplate);
    const ids = tok.encode('The cat sat on the mat.');
    const out = await model.forward(rt, { ids: [ids] }, { lastOnly: true });
    assert.equal(out.logits.length, model.vocabSize);
    assert.ok(out.logits.every(Number.isFinite));
    const header = (await openSafetensors(join(dir, 'model.safetensors'))).metadata;
    assert.deepEqual(header, { format: 'pt' });
  });
}

test('the same seed gives the same bytes; another seed other weights', async () => {
  const root = await tempRoot();
  const again = await initModel({ arch: 'gpt2', preset: 'tiny', out: join(root, 'gpt2-again'), seed: 0 });
  const other = await initModel({ arch: 'gpt2', preset: 'tiny', out: join(root, 'gpt2-other'), seed: 7 });
  const first = await tinyModelFolder('gpt2');
  for (const file of again.files) {
    assert.deepEqual(await readFile(join(again.dir, file)), await readFile(join(first, file)), file);
  }
  assert.notDeepEqual(await readFile(join(other.dir, 'model.safetensors')), await readFile(join(first, 'model.safetensors')));
});

test('weights follow transformers initialisation: normal(0, 0.02), norms ones, biases zeros, padding row zero', async () => {
  const llama = await openSafetensors(join(await tinyModelFolder('llama'), 'model.safetensors'));
  const embed = await llama.readFloat32('model.embed_tokens.weight');
  assert.ok(embed.subarray(0, 64).every((v) => v === 0), 'row of pad_token_id 0 is zero');
  const q = await llama.readFloat32('model.layers.0.self_attn.q_proj.weight');
  const std = Math.sqrt(q.reduce((s, v) => s + v * v, 0) / q.length);
  assert.ok(Math.abs(std - 0.02) < 0.001, `std ${std}`);
  assert.ok((await llama.readFloat32('model.norm.weight')).every((v) => v === 1));
  assert.ok(!llama.has('lm_head.weight'), 'tied embeddings');

  const gpt2 = await openSafetensors(join(await tinyModelFolder('gpt2'), 'model.safetensors'));
  assert.ok((await gpt2.readFloat32('transformer.h.0.attn.c_attn.bias')).every((v) => v === 0));
  const proj = await gpt2.readFloat32('transformer.h.0.mlp.c_proj.weight');
  const projStd = Math.sqrt(proj.reduce((s, v) => s + v * v, 0) / proj.length);
  assert.ok(Math.abs(projStd - 0.02 / 2) < 0.001, `c_proj std ${projStd} (0.02 / sqrt(2 * n_layer))`);
});

test('config.json has the fields and formatting of the reference fixtures (transformers 4.51)', async () => {
  const variants = { llama: 'llama', mistral: 'mistral', qwen2: 'qwen2', gpt2: 'gpt2', gpt_neox: 'gpt_neox' } as const;
  for (const [arch, variant] of Object.entries(variants)) {
    const text = await readFile(join(fixtures, variant, 'config.json'), 'utf8');
    const reference = JSON.parse(text) as Record<string, unknown>;
    assert.equal(configFileText(reference), text, `${variant}: Python's json.dumps(indent=2, sort_keys=True)`);
    const ours = hfConfigJson(arch as keyof typeof variants, PRESET_SIZES.tiny, { bos: 1, eos: 2, pad: 0 });
    assert.deepEqual(Object.keys(ours).sort(), [...Object.keys(reference), 'pad_token_id'].sort(), arch);
  }
  assert.equal(pythonFloat(1e-5), '1e-05');
  assert.equal(pythonFloat(0.0001), '0.0001');
  assert.equal(pythonFloat(10000), '10000.0');
  assert.equal(pythonFloat(1e16), '1e+16');
  assert.equal(pythonFloat(0.041666666666666664), '0.041666666666666664');
});

test('gpt2 and gpt_neox name <|endoftext|> as BOS/EOS and also stop at <|im_end|>', async () => {
  const tok = await loadTokenizer(await tinyModelFolder('gpt_neox'));
  assert.equal(tok.bosToken, '<|endoftext|>');
  assert.equal(tok.eosToken, '<|endoftext|>');
  assert.deepEqual(tok.eosTokenIds, [tok.tokenToId('<|endoftext|>'), tok.tokenToId('<|im_end|>')]);
  const chat = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
  assert.match(chat, /<\|im_start\|>assistant\n$/);
});

test('bad options and an occupied folder are input errors', async () => {
  const root = await tempRoot();
  const occupied = join(root, 'occupied');
  await mkdir(occupied, { recursive: true });
  await writeFile(join(occupied, 'notes.txt'), 'keep me');
  await assert.rejects(initModel({ arch: 'llama', preset: 'tiny', out: occupied }), (e) => e instanceof TunaInputError && /--force/.test(e.message));
  assert.equal(await readFile(join(occupied, 'notes.txt'), 'utf8'), 'keep me');
  await assert.rejects(initModel({ arch: 'bert' as never, preset: 'tiny', out: join(root, 'x') }), /--arch "bert" is not one of llama/);
  await assert.rejects(initModel({ arch: 'llama', preset: 'huge' as never, out: join(root, 'x') }), /--preset "huge"/);
  await assert.rejects(initModel({ arch: 'llama', preset: 'tiny', out: join(root, 'x'), seed: -1 }), /--seed/);
});
