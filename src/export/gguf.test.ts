// GGUF export: the files Tuna writes parse with every layout rule, equal what llama.cpp's own
// gguf-py and converter rules give byte for byte (fixtures/export/gguf_reference.json, from
// reference/gguf_reference.py), and hold the weights they came from.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadAdapter } from '../adapters/lora/adapter-files.js';
import type { LlamaConfig } from '../io/hf-config.js';
import { tuna } from '../cli/testing/run-cli.js';
import { initModel } from '../models/init-model.js';
import { CausalLM } from '../models/model.js';
import { quantizeQ8_0, decodeTensor } from './gguf-encode.js';
import { readGguf, tensorValues, type GgufFile, type MetadataValue } from './gguf-reader.js';
import { GGUF_CASE_FILES, writeGgufCase } from './testing/gguf-case.js';

const root = await mkdtemp(join(tmpdir(), 'tuna-gguf-'));
after(() => rm(root, { recursive: true, force: true }));
const reference = JSON.parse(await readFile(join(import.meta.dirname, '../../fixtures/export/gguf_reference.json'), 'utf8'));
const { model, adapter } = await writeGgufCase(root);
const base = await CausalLM.load(model);
const hfWeights = base.floatWeights();

/** A metadata value as the reference script summarises it (arrays by count, hash and first items). */
function summary(value: MetadataValue): unknown {
  if (!Array.isArray(value)) return typeof value === 'bigint' ? Number(value) : value;
  const strings = value.every((v) => typeof v === 'string');
  const hash = strings
    ? createHash('sha256').update((value as string[]).join('\n')).digest('hex')
    : createHash('sha256').update(new Uint8Array(new Float64Array(value.map(Number)).buffer)).digest('hex');
  return { count: value.length, sha256: hash, first: value.slice(0, 4).map((v) => (typeof v === 'bigint' ? Number(v) : v)) };
}

/** Undoes llama.cpp's rotary row permutation: interleaved pairs back to rotate_half's halves. */
function unpermute(values: Float32Array, rows: number, heads: number): Float32Array {
  const cols = values.length / rows;
  const headDim = rows / heads;
  const out = new Float32Array(values.length);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < headDim / 2; j++) {
      for (let part = 0; part < 2; part++) {
        const from = h * headDim + 2 * j + part;
        const to = h * headDim + part * (headDim / 2) + j;
        out.set(values.subarray(from * cols, (from + 1) * cols), to * cols);
      }
    }
  }
  return out;
}

const files = new Map<string, GgufFile>();
for (const name of GGUF_CASE_FILES) files.set(name, await readGguf(join(root, name)));

describe('GGUF export', () => {
  it('writes the layout GGUF v3 prescribes: magic, version, 32-byte aligned data, tensors packed to the end of the file', async () => {
    for (const [name, file] of files) {
      assert.equal(file.version, 3, name);
      assert.equal(file.alignment, 32);
      assert.equal(file.dataOffset % 32, 0);
      for (const t of file.tensors) assert.equal(t.offset % 32, 0, `${name} ${t.name}`);
      const last = file.tensors.at(-1)!;
      assert.equal((await stat(join(root, name))).size, file.dataOffset + Math.ceil((last.offset + last.byteLength) / 32) * 32);
    }
  });

  it('equals the fixture gguf-py made: every metadata key and value, and every tensor name, shape, type, offset and byte', () => {
    for (const [name, file] of files) {
      const want = reference[name];
      assert.deepEqual(Object.fromEntries([...file.metadata].map(([k, v]) => [k, summary(v)])), want.metadata, name);
      assert.deepEqual(
        file.tensors.map((t) => {
          const start = file.dataOffset + t.offset;
          const bytes = file.bytes.subarray(start, start + t.byteLength);
          return { name: t.name, shape: t.dims, type: t.type, offset: start, bytes: t.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
        }),
        want.tensors,
        name,
      );
    }
  });

  it('holds the checkpoint: float16 within rounding, Q8_0 within half a step, q_proj and k_proj permuted as llama.cpp rotates', () => {
    const f16 = files.get('model-f16.gguf')!;
    const q8 = files.get('model-q8_0.gguf')!;
    const c = base.config as LlamaConfig;
    const close = (a: Float32Array, b: Float32Array, tol: (x: number) => number, what: string) => {
      assert.equal(a.length, b.length, what);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol(b[i]!), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
    };
    close(tensorValues(f16, 'blk.1.ffn_down.weight'), hfWeights.get('model.layers.1.mlp.down_proj.weight')!, (x) => Math.abs(x) / 1024 + 1e-7, 'f16 ffn_down');
    const q = hfWeights.get('model.layers.0.self_attn.q_proj.weight')!;
    close(unpermute(tensorValues(f16, 'blk.0.attn_q.weight'), c.numAttentionHeads * c.headDim, c.numAttentionHeads), q, (x) => Math.abs(x) / 1024 + 1e-7, 'f16 attn_q');
    const embedding = hfWeights.get('model.embed_tokens.weight')!;
    const step = Math.max(...embedding.map(Math.abs)) / 127;
    close(tensorValues(q8, 'token_embd.weight'), embedding, () => step / 2 + 1e-6, 'q8_0 token_embd');
    assert.deepEqual(f16.tensors.find((t) => t.name === 'blk.0.attn_k.weight')!.dims, [c.hiddenSize, c.numKeyValueHeads * c.headDim]);
    assert.ok(!f16.tensors.some((t) => t.name === 'output.weight'), 'a tied head is left to token_embd');
  });

  it('Q8_0 rounds halves away from zero and keeps an all-zero block at zero', () => {
    const block = new Float32Array(32);
    block[0] = 127;
    block[1] = 0.5;
    block[2] = -0.5;
    block[3] = -1.5;
    const decoded = decodeTensor('Q8_0', quantizeQ8_0(block), 32);
    assert.deepEqual([...decoded.slice(0, 4)], [127, 1, -1, -2]);
    assert.deepEqual([...decodeTensor('Q8_0', quantizeQ8_0(new Float32Array(32)), 32)], new Array(32).fill(0));
  });

  it('tuna export merges an adapter on the fly; --format gguf-lora writes it alone with alpha for its scale', async () => {
    const out = join(root, 'merged.gguf');
    const run = await tuna('export', '--model', model, '--adapter', adapter, '--type', 'f32', '--out', out, '--json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
    assert.equal(result.out, out);
    assert.ok(result.bytes > 0 && result.seconds >= 0);
    const merged = await readGguf(out);
    const { lora } = await loadAdapter(base, adapter);
    const t = lora.adapters.get('model.layers.0.self_attn.v_proj')!;
    const w = hfWeights.get('model.layers.0.self_attn.v_proj.weight')!;
    const got = tensorValues(merged, 'blk.0.attn_v.weight');
    for (let o = 0; o < t.outFeatures; o++) {
      for (let i = 0; i < t.inFeatures; i++) {
        let delta = 0;
        for (let k = 0; k < lora.config.r; k++) delta += t.b[o * lora.config.r + k]! * t.a[k * t.inFeatures + i]!;
        const want = w[o * t.inFeatures + i]! + lora.scale * delta;
        assert.ok(Math.abs(got[o * t.inFeatures + i]! - want) < 1e-5, `merged v_proj[${o},${i}]`);
      }
    }
    const alone = files.get('adapter-f16.gguf')!;
    assert.equal(alone.metadata.get('adapter.lora.alpha'), lora.scale * lora.config.r);
    assert.equal(alone.tensors.length, 2 * lora.adapters.size);
  });

  it('bad requests exit 2 and say what to do', async () => {
    const neox = join(root, 'neox');
    await initModel({ arch: 'gpt_neox', preset: 'tiny', out: neox, seed: 1 });
    const cases: [string[], RegExp][] = [
      [['--model', model, '--format', 'gguf-lora', '--out', join(root, 'x.gguf')], /--format gguf-lora writes an adapter: give --adapter/],
      [['--model', neox, '--out', join(root, 'x.gguf')], /model_type "gpt_neox" is not exported to GGUF yet/],
      [['--model', model, '--type', 'q4_k', '--out', join(root, 'x.gguf')], /--type/],
      [['--model', model, '--adapter', join(root, 'nowhere'), '--out', join(root, 'x.gguf')], /adapter_config\.json: not found/],
    ];
    for (const [args, message] of cases) {
      const run = await tuna('export', ...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
    await assert.rejects(stat(join(root, 'x.gguf')));
  });

  it('exports GPT-2 with its Conv1D weights transposed and the tied head as output.weight', async () => {
    const gpt2 = join(root, 'gpt2');
    await initModel({ arch: 'gpt2', preset: 'tiny', out: gpt2, seed: 2 });
    const out = join(root, 'gpt2.gguf');
    assert.equal((await tuna('export', '--model', gpt2, '--type', 'f32', '--out', out)).code, 0);
    const file = await readGguf(out);
    const m = await CausalLM.load(gpt2);
    const w = m.floatWeights();
    assert.equal(file.metadata.get('general.architecture'), 'gpt2');
    const [inF, outF] = m.shapes.get('transformer.h.0.attn.c_attn.weight')!;
    assert.deepEqual(file.tensors.find((t) => t.name === 'blk.0.attn_qkv.weight')!.dims, [inF, outF]);
    const qkv = tensorValues(file, 'blk.0.attn_qkv.weight');
    const conv = w.get('transformer.h.0.attn.c_attn.weight')!;
    assert.equal(qkv[1 * inF + 2], conv[2 * outF + 1]);
    assert.deepEqual(tensorValues(file, 'output.weight'), w.get('transformer.wte.weight'));
    assert.equal(file.tensors.find((t) => t.name === 'position_embd.weight')!.type, 'F32');
  });
});
