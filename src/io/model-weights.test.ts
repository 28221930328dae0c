/** Model folders: single file or shards + index, written and read back. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TunaInputError } from '../errors.js';
import { openModelWeights, openSafetensors, writeSafetensors, writeShardedSafetensors } from './safetensors.js';
import type { TensorToWrite } from './safetensors.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tuna-model-weights-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Four 64-byte F32 tensors and one 16-byte I32 tensor, in state-dict order. */
function tinyModel(): Record<string, TensorToWrite> {
  const ramp = (start: number) => Float32Array.from({ length: 16 }, (_, i) => start + i);
  return {
    'model.embed_tokens.weight': { dtype: 'F32', shape: [4, 4], data: ramp(0) },
    'model.layers.0.self_attn.q_proj.weight': { dtype: 'F32', shape: [4, 4], data: ramp(100) },
    'model.layers.0.mlp.up_proj.weight': { dtype: 'F32', shape: [4, 4], data: ramp(200) },
    'model.norm.weight': { dtype: 'I32', shape: [4], data: Int32Array.of(1, 2, 3, 4) },
    'lm_head.weight': { dtype: 'F32', shape: [4, 4], data: ramp(300) },
  };
}

test('a model below the shard limit is one model.safetensors with format metadata', async () => {
  const dir = join(root, 'single');
  const result = await writeShardedSafetensors(dir, tinyModel());
  assert.deepEqual(result, { files: ['model.safetensors'], indexFile: null, totalSize: 4 * 64 + 16 });
  assert.deepEqual(await readdir(dir), ['model.safetensors']);
  const weights = await openModelWeights(dir);
  assert.deepEqual(weights.files, ['model.safetensors']);
  assert.deepEqual(weights.metadata, { format: 'pt' });
  assert.equal(weights.tensors.length, 5);
  assert.deepEqual(await weights.read('model.norm.weight'), Int32Array.of(1, 2, 3, 4));
});

test('a model above the limit is written as shards with an index, filled in insertion order', async () => {
  const dir = join(root, 'sharded');
  const result = await writeShardedSafetensors(dir, tinyModel(), { maxShardBytes: 140, metadata: { source: 'test' } });
  const files = ['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors'];
  assert.deepEqual(result, { files, indexFile: 'model.safetensors.index.json', totalSize: 272 });
  const indexText = await readFile(join(dir, 'model.safetensors.index.json'), 'utf8');
  assert.equal(
    indexText,
    `{
  "metadata": {
    "total_size": 272
  },
  "weight_map": {
    "lm_head.weight": "model-00003-of-00003.safetensors",
    "model.embed_tokens.weight": "model-00001-of-00003.safetensors",
    "model.layers.0.mlp.up_proj.weight": "model-00002-of-00003.safetensors",
    "model.layers.0.self_attn.q_proj.weight": "model-00001-of-00003.safetensors",
    "model.norm.weight": "model-00002-of-00003.safetensors"
  }
}
`,
  );
  const weights = await openModelWeights(dir);
  assert.deepEqual(weights.files, files);
  assert.deepEqual(weights.metadata, { format: 'pt', source: 'test' });
  assert.deepEqual(
    weights.tensors.map((t) => [t.name, t.file]),
    [
      ['model.embed_tokens.weight', files[0]],
      ['model.layers.0.self_attn.q_proj.weight', files[0]],
      ['model.layers.0.mlp.up_proj.weight', files[1]],
      ['model.norm.weight', files[1]],
      ['lm_head.weight', files[2]],
    ],
  );
  for (const [name, tensor] of Object.entries(tinyModel())) {
    assert.deepEqual(await weights.read(name), tensor.data, name);
  }
  await assert.rejects(weights.read('missing.weight'), /tensor "missing\.weight" is not in the weights of/);
});

test('a tensor larger than the limit gets a shard of its own, as in huggingface_hub', async () => {
  const dir = join(root, 'oversized');
  const tensors = tinyModel();
  tensors['model.embed_tokens.weight'] = { dtype: 'F32', shape: [8, 8], data: new Float32Array(64) };
  const result = await writeShardedSafetensors(dir, tensors, { maxShardBytes: 140 });
  const weights = await openModelWeights(dir);
  assert.equal(result.files.length, 3);
  assert.equal(weights.info('model.embed_tokens.weight').file, 'model-00001-of-00003.safetensors');
  assert.equal((await openSafetensors(join(dir, 'model-00001-of-00003.safetensors'))).tensors.length, 1);
});

test('re-saving removes weights an earlier save left behind', async () => {
  const dir = join(root, 'resave');
  await writeShardedSafetensors(dir, tinyModel(), { maxShardBytes: 100 });
  assert.equal((await readdir(dir)).length, 5);
  await writeShardedSafetensors(dir, tinyModel());
  assert.deepEqual(await readdir(dir), ['model.safetensors']);
  await writeShardedSafetensors(dir, tinyModel(), { maxShardBytes: 140 });
  assert.deepEqual((await readdir(dir)).sort(), [
    'model-00001-of-00003.safetensors',
    'model-00002-of-00003.safetensors',
    'model-00003-of-00003.safetensors',
    'model.safetensors.index.json',
  ]);
});

test('converts float32 weights to BF16 on request and reads them back widened', async () => {
  const dir = join(root, 'bf16');
  await writeShardedSafetensors(dir, { w: { dtype: 'BF16', shape: [3], data: Float32Array.of(1, 0.1, -3) } });
  const weights = await openModelWeights(dir);
  assert.equal(weights.info('w').dtype, 'BF16');
  assert.deepEqual(Array.from(await weights.readFloat32('w')), [1, 0.10009765625, -3]);
});

test('a missing shard names the shard file and the tensors it should hold', async () => {
  const dir = join(root, 'missing-shard');
  await writeShardedSafetensors(dir, tinyModel(), { maxShardBytes: 140 });
  await rm(join(dir, 'model-00002-of-00003.safetensors'));
  await assert.rejects(openModelWeights(dir), (error: Error) => {
    assert.ok(error instanceof TunaInputError);
    assert.match(error.message, /shard "model-00002-of-00003\.safetensors", which is missing/);
    assert.match(error.message, /model\.layers\.0\.mlp\.up_proj\.weight, model\.norm\.weight/);
    return true;
  });
});

test('an index naming a tensor its shard lacks, or a shard outside the folder', async () => {
  const dir = join(root, 'wrong-index');
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, 'a.safetensors'), { x: { dtype: 'U8', shape: [1], data: Uint8Array.of(1) } });
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { x: 'a.safetensors', y: 'a.safetensors' } }));
  await assert.rejects(openModelWeights(dir), /says tensor "y" is in .*a\.safetensors, but that file does not hold it/);
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { x: '../a.safetensors' } }));
  await assert.rejects(openModelWeights(dir), /weight_map\["x"\] must be a shard file name in the folder/);
  await writeFile(join(dir, 'model.safetensors.index.json'), '{"weight_map": ');
  await assert.rejects(openModelWeights(dir), /model\.safetensors\.index\.json: not valid JSON/);
});

test('a folder without safetensors weights says so, and points at pickles', async () => {
  const dir = join(root, 'pickles');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pytorch_model.bin'), 'not loaded');
  await assert.rejects(openModelWeights(dir), /neither model\.safetensors nor model\.safetensors\.index\.json.*pytorch_model\.bin: Tuna loads no pickled weights/);
  await assert.rejects(openModelWeights(join(root, 'nowhere')), /model folder .*nowhere does not exist/);
});
