/** Model resolution against a local fake Hub: cache layout, offline mode, tokens and failures. */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TunaInputError } from '../errors.js';
import { readHfConfig } from './hf-config.js';
import { resolveModel } from './hub.js';
import type { DownloadProgress } from './hub.js';
import { openModelWeights, writeSafetensors, writeShardedSafetensors } from './safetensors.js';
import { startFakeHub } from './test-utils/fake-hub.js';
import type { FakeHub } from './test-utils/fake-hub.js';

const CONFIG = JSON.stringify({ model_type: 'llama', hidden_size: 8, num_attention_heads: 2, num_hidden_layers: 1, vocab_size: 4 });
const HF_VARIABLES = ['HF_ENDPOINT', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'HF_HOME', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_HUB_OFFLINE', 'HF_TOKEN_PATH'];

let root: string;
let hub: FakeHub;
let cache: string;
const savedEnv: Record<string, string | undefined> = {};

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tuna-hub-'));
  const single = join(root, 'single.safetensors');
  await writeSafetensors(single, { 'model.norm.weight': { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) } }, { format: 'pt' });
  const sharded = join(root, 'sharded');
  const shardTensor = (value: number) => ({ dtype: 'F32' as const, shape: [4], data: new Float32Array(4).fill(value) });
  await writeShardedSafetensors(sharded, { a: shardTensor(1), b: shardTensor(2) }, { maxShardBytes: 16 });
  const shardFiles = {
    'model.safetensors.index.json': await readFile(join(sharded, 'model.safetensors.index.json')),
    'model-00001-of-00002.safetensors': await readFile(join(sharded, 'model-00001-of-00002.safetensors')),
    'model-00002-of-00002.safetensors': await readFile(join(sharded, 'model-00002-of-00002.safetensors')),
  };
  const weights = await readFile(single);
  hub = await startFakeHub({
    'org/tiny': {
      files: {
        'config.json': CONFIG,
        'tokenizer.json': '{"model": {}}',
        'model.safetensors': weights,
        'pytorch_model.bin': 'pickle',
        'modeling_tiny.py': 'import os',
        'README.md': '# tiny',
      },
    },
    'org/sharded': { files: { 'config.json': CONFIG, ...shardFiles, 'consolidated.safetensors': weights } },
    'org/gated': { files: { 'config.json': CONFIG, 'model.safetensors': weights }, token: 'secret-token' },
    'org/pickled': { files: { 'config.json': CONFIG, 'pytorch_model.bin': 'pickle' } },
    'org/broken': { files: { 'config.json': CONFIG, 'model.safetensors': weights }, corrupt: ['model.safetensors'] },
  });
  for (const name of HF_VARIABLES) savedEnv[name] = process.env[name];
});

beforeEach(async () => {
  for (const name of HF_VARIABLES) delete process.env[name];
  cache = await mkdtemp(join(root, 'cache-'));
  process.env['HF_ENDPOINT'] = hub.endpoint;
  process.env['HF_HUB_CACHE'] = cache;
  process.env['HF_HOME'] = join(root, 'no-home'); // keeps a real ~/.cache/huggingface/token out of the tests
  hub.requests.length = 0;
});

after(async () => {
  for (const name of HF_VARIABLES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

test('downloads only the files a model needs into the Python cache layout', async () => {
  const progress: DownloadProgress[] = [];
  const folder = await resolveModel('org/tiny', { onProgress: (p) => progress.push(p) });
  const sha = hub.commitOf('org/tiny');
  const repoFolder = join(cache, 'models--org--tiny');
  assert.equal(folder, join(repoFolder, 'snapshots', sha));
  assert.equal((await readFile(join(repoFolder, 'refs', 'main'), 'utf8')).trim(), sha);
  assert.deepEqual((await readdir(folder)).sort(), ['config.json', 'model.safetensors', 'tokenizer.json']);
  for (const name of await readdir(folder)) {
    assert.ok((await lstat(join(folder, name))).isSymbolicLink(), `${name} is a link into blobs/`);
    assert.match(await readlink(join(folder, name)), /^\.\.\/\.\.\/blobs\/[0-9a-f]{40,64}$/);
  }
  const blobs = await readdir(join(repoFolder, 'blobs'));
  assert.equal(blobs.length, 3);
  assert.ok(blobs.some((blob) => blob.length === 64), 'the LFS file is named by its sha256');

  const fetched = hub.requests.filter((r) => r.path.includes('/resolve/')).map((r) => r.path.split('/').pop());
  assert.deepEqual([...new Set(fetched)].sort(), ['config.json', 'model.safetensors', 'tokenizer.json']);
  const last = new Map(progress.map((p) => [p.file, p]));
  for (const [file, p] of last) assert.equal(p.bytesDone, p.bytesTotal, `${file} finished`);
  assert.deepEqual([...last.keys()].sort(), ['config.json', 'model.safetensors', 'tokenizer.json']);

  assert.equal((await readHfConfig(folder)).hiddenSize, 8);
  assert.deepEqual(await (await openModelWeights(folder)).readFloat32('model.norm.weight'), Float32Array.of(1, 2));
});

test('a cached model is used without the network, also when offline', async () => {
  const first = await resolveModel('org/tiny');
  hub.requests.length = 0;
  assert.equal(await resolveModel('org/tiny'), first);
  process.env['HF_HUB_OFFLINE'] = '1';
  assert.equal(await resolveModel('org/tiny'), first);
  assert.equal(await resolveModel('org/tiny', { offline: true }), first);
  assert.deepEqual(hub.requests, []);
});

test('offline without the model in the cache says what to do', async () => {
  process.env['HF_HUB_OFFLINE'] = 'true';
  await assert.rejects(resolveModel('org/tiny'), (error: Error) => {
    assert.ok(error instanceof TunaInputError);
    assert.match(error.message, /org\/tiny \(main\) is not in the Hugging Face cache at .*cache-/);
    assert.match(error.message, /--model \.\/path/);
    assert.match(error.message, /HF_ENDPOINT/);
    assert.match(error.message, /HF_HUB_OFFLINE/);
    return true;
  });
  assert.deepEqual(hub.requests, []);
});

test('a missing blob is downloaded again', async () => {
  const folder = await resolveModel('org/tiny');
  const blobs = join(cache, 'models--org--tiny', 'blobs');
  for (const blob of await readdir(blobs)) if (blob.length === 64) await rm(join(blobs, blob));
  hub.requests.length = 0;
  assert.equal(await resolveModel('org/tiny'), folder);
  assert.ok(hub.requests.some((r) => r.path.endsWith('/model.safetensors')));
  assert.deepEqual(await (await openModelWeights(folder)).readFloat32('model.norm.weight'), Float32Array.of(1, 2));
});

test('a sharded model fetches the index and the shards it names, nothing else', async () => {
  const folder = await resolveModel('org/sharded');
  assert.deepEqual((await readdir(folder)).sort(), [
    'config.json',
    'model-00001-of-00002.safetensors',
    'model-00002-of-00002.safetensors',
    'model.safetensors.index.json',
  ]);
  assert.ok(!hub.requests.some((r) => r.path.includes('consolidated')));
  assert.deepEqual(await (await openModelWeights(folder)).readFloat32('b'), Float32Array.of(2, 2, 2, 2));
});

test('HF_TOKEN is sent to the Hub; without it a gated model explains what to do', async () => {
  await assert.rejects(resolveModel('org/gated'), /could not download org\/gated from http:\/\/127\.0\.0\.1:\d+: access denied \(HTTP 401\).*HF_TOKEN/);
  process.env['HF_TOKEN'] = 'secret-token';
  const folder = await resolveModel('org/gated');
  assert.ok((await readdir(folder)).includes('model.safetensors'));
  assert.ok(hub.requests.every((r) => r.authorization === 'Bearer secret-token' || r.authorization === undefined));
  assert.ok(hub.requests.some((r) => r.path.includes('/resolve/') && r.authorization === 'Bearer secret-token'));
});

test('failed downloads are input errors naming the cause', async () => {
  await assert.rejects(resolveModel('org/missing'), /could not download org\/missing .*no model named org\/missing there \(HTTP 404\).*--model \.\/path/);
  await assert.rejects(resolveModel('org/pickled'), /org\/pickled has no model\.safetensors .*only pytorch_model\.bin, which Tuna does not load/);
  await assert.rejects(resolveModel('org/broken'), /model\.safetensors arrived damaged/);
  const blobs = await readdir(join(cache, 'models--org--broken', 'blobs'));
  assert.ok(blobs.every((blob) => !blob.endsWith('.incomplete')) && blobs.length === 1, 'only config.json was kept');

  process.env['HF_ENDPOINT'] = 'http://127.0.0.1:9';
  await assert.rejects(resolveModel('org/tiny'), (error: Error) => {
    assert.ok(error instanceof TunaInputError);
    assert.match(error.message, /could not download org\/tiny from http:\/\/127\.0\.0\.1:9: cannot reach/);
    return true;
  });
});

test('a local folder is used as is; a folder without config.json or a missing path is an error', async () => {
  const model = join(root, 'local-model');
  await mkdir(model, { recursive: true });
  await assert.rejects(resolveModel(model), new RegExp(`model folder ${model} has no config\\.json`));
  await writeFile(join(model, 'config.json'), CONFIG);
  assert.equal(await resolveModel(model), model);
  await assert.rejects(resolveModel(join(model, 'config.json')), /is a file; --model takes a model folder or a Hub id/);
  await assert.rejects(resolveModel('./no/such/folder'), /model folder \.\/no\/such\/folder does not exist/);
  assert.deepEqual(hub.requests, []);
});
