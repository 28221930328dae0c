/** config.json parsing: real configs of each architecture, transformers' defaults, and errors. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TunaInputError } from '../errors.js';
import { parseHfConfig, readHfConfig } from './hf-config.js';

const fixtures = fileURLToPath(new URL('../../fixtures/io/hf-configs/', import.meta.url));
const fixture = (name: string) => readHfConfig(join(fixtures, `${name}.json`));

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tuna-hf-config-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('Llama 3.2: grouped-query attention and llama3 rope scaling', async () => {
  const config = await fixture('llama-3.2-1b');
  assert.equal(config.modelType, 'llama');
  if (config.modelType !== 'llama') return;
  assert.equal(config.hiddenSize, 2048);
  assert.equal(config.numKeyValueHeads, 8);
  assert.equal(config.headDim, 64);
  assert.equal(config.rmsNormEps, 1e-5);
  assert.equal(config.tieWordEmbeddings, true);
  assert.equal(config.torchDtype, 'bfloat16');
  assert.deepEqual(config.rope, {
    theta: 500000,
    scaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 },
  });
  assert.equal(config.raw['pretraining_tp'], 1, 'unknown keys stay in raw');
});

test('an empty llama config takes the defaults of transformers LlamaConfig', () => {
  const { raw, ...config } = parseHfConfig({ model_type: 'llama' }, 'config.json');
  assert.deepEqual(raw, { model_type: 'llama' });
  assert.deepEqual(config, {
    modelType: 'llama',
    vocabSize: 32000,
    hiddenSize: 4096,
    numHiddenLayers: 32,
    numAttentionHeads: 32,
    headDim: 128,
    intermediateSize: 11008,
    maxPositionEmbeddings: 2048,
    hiddenAct: 'silu',
    tieWordEmbeddings: false,
    bosTokenId: 1,
    eosTokenId: 2,
    padTokenId: null,
    initializerRange: 0.02,
    torchDtype: null,
    numKeyValueHeads: 32,
    rmsNormEps: 1e-6,
    rope: { theta: 10000, scaling: null },
    attentionQkvBias: false,
    attentionOutputBias: false,
    mlpBias: false,
    attentionDropout: 0,
    slidingWindow: null,
  });
});

test('llama rope scaling in every spelling: type/rope_type, linear, dynamic, v5 rope_parameters', () => {
  const rope = (extra: Record<string, unknown>) => {
    const config = parseHfConfig({ model_type: 'llama', ...extra }, 'config.json');
    return config.modelType === 'llama' ? config.rope : undefined;
  };
  assert.deepEqual(rope({ rope_scaling: { type: 'linear', factor: 2 } }), { theta: 10000, scaling: { type: 'linear', factor: 2 } });
  assert.deepEqual(rope({ rope_theta: 5e5, rope_scaling: { rope_type: 'dynamic', factor: 4 } }), {
    theta: 5e5,
    scaling: { type: 'dynamic', factor: 4, originalMaxPositionEmbeddings: null },
  });
  assert.deepEqual(rope({ rope_scaling: { rope_type: 'default' } }), { theta: 10000, scaling: null });
  assert.deepEqual(rope({ rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }), { theta: 1e6, scaling: null });
  assert.deepEqual(rope({ rope_scaling: null }), { theta: 10000, scaling: null });
});

test('unsupported or incomplete rope scaling names the field', () => {
  assert.throws(
    () => parseHfConfig({ model_type: 'llama', rope_scaling: { rope_type: 'yarn', factor: 4 } }, '/m/config.json'),
    /\/m\/config\.json .*field "rope_scaling\.rope_type": rope type "yarn" is not supported; supported: default, linear, dynamic, llama3/,
  );
  assert.throws(
    () => parseHfConfig({ model_type: 'llama', rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: '1' } }, 'c.json'),
    /field "rope_scaling\.low_freq_factor": expected number, got "1"/,
  );
  assert.throws(
    () => parseHfConfig({ model_type: 'llama', rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1 } }, 'c.json'),
    /field "rope_scaling\.high_freq_factor": missing; rope type "llama3" needs it; field "rope_scaling\.original_max_position_embeddings": missing/,
  );
  assert.throws(
    () => parseHfConfig({ model_type: 'llama', rope_scaling: { type: 'linear' } }, 'c.json'),
    /field "rope_scaling\.factor": missing; rope type "linear" needs it/,
  );
});

test('Mistral: sliding_window null means full attention; defaults from MistralConfig', async () => {
  const config = await fixture('mistral-7b-v0.3');
  assert.equal(config.modelType, 'mistral');
  if (config.modelType !== 'mistral') return;
  assert.equal(config.slidingWindow, null);
  assert.equal(config.rope.theta, 1e6);
  const defaults = parseHfConfig({ model_type: 'mistral' }, 'config.json');
  if (defaults.modelType !== 'mistral') return;
  assert.equal(defaults.numKeyValueHeads, 8);
  assert.equal(defaults.intermediateSize, 14336);
  assert.equal(defaults.maxPositionEmbeddings, 131072);
  assert.equal(defaults.slidingWindow, 4096);
  assert.equal(defaults.attentionQkvBias, false);
});

test('Qwen2: q/k/v bias, no o_proj bias, sliding window only when enabled', async () => {
  const config = await fixture('qwen2.5-0.5b-instruct');
  assert.equal(config.modelType, 'qwen2');
  if (config.modelType !== 'qwen2') return;
  assert.equal(config.numAttentionHeads, 14);
  assert.equal(config.numKeyValueHeads, 2);
  assert.equal(config.headDim, 64);
  assert.equal(config.attentionQkvBias, true);
  assert.equal(config.attentionOutputBias, false);
  assert.equal(config.slidingWindow, null);
  assert.equal(config.tieWordEmbeddings, true);
  const sliding = parseHfConfig({ model_type: 'qwen2', use_sliding_window: true, sliding_window: 1024 }, 'c.json');
  assert.equal(sliding.modelType === 'qwen2' && sliding.slidingWindow, 1024);
  const defaults = parseHfConfig({ model_type: 'qwen2', num_key_value_heads: null }, 'c.json');
  assert.equal(defaults.modelType === 'qwen2' && defaults.numKeyValueHeads, 32);
  assert.equal(defaults.bosTokenId, null);
});

test('GPT-2: n_* names map onto the common names, n_inner null is 4 * n_embd, embeddings tied', async () => {
  const config = await fixture('gpt2');
  assert.equal(config.modelType, 'gpt2');
  if (config.modelType !== 'gpt2') return;
  assert.equal(config.hiddenSize, 768);
  assert.equal(config.numHiddenLayers, 12);
  assert.equal(config.numAttentionHeads, 12);
  assert.equal(config.maxPositionEmbeddings, 1024);
  assert.equal(config.intermediateSize, 3072);
  assert.equal(config.headDim, 64);
  assert.equal(config.hiddenAct, 'gelu_new');
  assert.equal(config.layerNormEps, 1e-5);
  assert.equal(config.tieWordEmbeddings, true);
  assert.equal(config.residPdrop, 0.1);
  assert.deepEqual(config.raw['task_specific_params'], { 'text-generation': { do_sample: true, max_length: 50 } });
  const inner = parseHfConfig({ model_type: 'gpt2', n_embd: 64, n_head: 4, n_inner: 100 }, 'c.json');
  assert.equal(inner.intermediateSize, 100);
});

test('GPT-NeoX: partial rotary, parallel residual, attention bias', async () => {
  const config = await fixture('pythia-70m');
  assert.equal(config.modelType, 'gpt_neox');
  if (config.modelType !== 'gpt_neox') return;
  assert.equal(config.headDim, 64);
  assert.equal(config.partialRotaryFactor, 0.25);
  assert.equal(config.rotaryDim, 16);
  assert.deepEqual(config.rope, { theta: 10000, scaling: null });
  assert.equal(config.useParallelResidual, true);
  assert.equal(config.attentionBias, true);
  assert.equal(config.tieWordEmbeddings, false);
  assert.equal(config.eosTokenId, 0);
  const defaults = parseHfConfig({ model_type: 'gpt_neox', hidden_size: 96, num_attention_heads: 4 }, 'c.json');
  if (defaults.modelType !== 'gpt_neox') return;
  assert.equal(defaults.rotaryDim, 6); // int(24 * 0.25)
  assert.equal(defaults.layerNormEps, 1e-5);
  assert.equal(defaults.hiddenAct, 'gelu');
  const v5 = parseHfConfig(
    { model_type: 'gpt_neox', rope_parameters: { rope_type: 'default', rope_theta: 20000, partial_rotary_factor: 0.5 } },
    'c.json',
  );
  if (v5.modelType !== 'gpt_neox') return;
  assert.deepEqual([v5.rope.theta, v5.partialRotaryFactor], [20000, 0.5]);
});

test('an unknown model_type lists the supported ones', () => {
  assert.throws(
    () => parseHfConfig({ model_type: 'phi3' }, '/models/phi/config.json'),
    (error: Error) =>
      error instanceof TunaInputError &&
      /\/models\/phi\/config\.json: model_type "phi3" is not supported; supported model types: llama, mistral, qwen2, gpt2, gpt_neox/.test(
        error.message,
      ),
  );
  assert.throws(() => parseHfConfig({ hidden_size: 3 }, 'c.json'), /field "model_type" is missing/);
});

test('a field of the wrong type names the field and the file', () => {
  assert.throws(
    () => parseHfConfig({ model_type: 'llama', hidden_size: '2048', tie_word_embeddings: 'yes' }, '/m/config.json'),
    (error: Error) =>
      error instanceof TunaInputError &&
      error.message.includes('/m/config.json') &&
      error.message.includes('field "hidden_size": expected number, got "2048"') &&
      error.message.includes('field "tie_word_embeddings": expected boolean, got "yes"'),
  );
  assert.throws(() => parseHfConfig({ model_type: 'gpt2', eos_token_id: 'x' }, 'c.json'), /field "eos_token_id": expected number or array/);
  assert.throws(
    () => parseHfConfig({ model_type: 'llama', num_attention_heads: 8, num_key_value_heads: 3 }, 'c.json'),
    /field "num_key_value_heads": 3 must divide num_attention_heads \(8\)/,
  );
  assert.throws(
    () => parseHfConfig({ model_type: 'llama', hidden_size: 100, num_attention_heads: 8 }, 'c.json'),
    /field "hidden_size": 100 is not a multiple of the number of attention heads \(8\)/,
  );
});

test('readHfConfig takes a folder or a file, and reports missing or broken files', async () => {
  const model = join(dir, 'model');
  await mkdir(model);
  await assert.rejects(readHfConfig(model), /model\/config\.json: no such file; a model folder needs a config\.json/);
  await writeFile(join(model, 'config.json'), '{"model_type": "llama",');
  await assert.rejects(readHfConfig(model), /config\.json: not valid JSON/);
  await writeFile(join(model, 'config.json'), JSON.stringify({ model_type: 'llama', dtype: 'float16', hidden_size: 64, num_attention_heads: 4 }));
  const config = await readHfConfig(model);
  assert.equal(config.torchDtype, 'float16');
  assert.equal(config.headDim, 16);
  assert.deepEqual(await readHfConfig(join(model, 'config.json')), config);
});
