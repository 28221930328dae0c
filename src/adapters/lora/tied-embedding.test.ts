// An adapter that trains the embedding of a tied model (modules_to_save embed_tokens) computes in
// Tuna what PEFT computes for it: the trained embedding is also the output head. The fixture's
// logits come from PEFT 0.21 (reference/peft_tied_embedding.py); the adapter was trained by Tuna
// (scripts/tied-embedding-adapter.ts).
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSafetensors, writeSafetensors, type TensorToWrite } from '../../io/safetensors.js';
import { CausalLM } from '../../models/model.js';
import { Runtime } from '../../runtime/runtime.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, loadAdapter } from './adapter-files.js';

const base = new URL('../../../fixtures/models/llama', import.meta.url).pathname;
const adapterDir = join(base, 'tied_embedding_adapter');
const reference = JSON.parse(await readFile(join(adapterDir, 'peft_logits.json'), 'utf8')) as {
  input_ids: number[][]; shape: [number, number, number]; logits: number[]; untied_head_logits: number[];
};
const root = await mkdtemp(join(tmpdir(), 'tuna-tied-adapter-'));

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
};

/** A copy of the fixture adapter with ensure_weight_tying false, and without the saved head if asked. */
async function untiedCopy(name: string, dropHead: boolean): Promise<string> {
  const dir = join(root, name);
  await cp(adapterDir, dir, { recursive: true });
  const config = JSON.parse(await readFile(join(dir, ADAPTER_CONFIG), 'utf8'));
  await writeFile(join(dir, ADAPTER_CONFIG), JSON.stringify({ ...config, ensure_weight_tying: false }));
  if (dropHead) {
    const file = await openSafetensors(join(dir, ADAPTER_WEIGHTS));
    const tensors: Record<string, TensorToWrite> = {};
    for (const t of file.tensors) if (t.name !== 'base_model.model.lm_head.weight') tensors[t.name] = { dtype: 'F32', shape: t.shape, data: await file.readFloat32(t.name) };
    await writeSafetensors(join(dir, ADAPTER_WEIGHTS), tensors, { format: 'pt' });
  }
  return dir;
}

describe('a tied model with a trained embedding (modules_to_save)', () => {
  const rt = new Runtime();
  after(async () => {
    await rt.close();
    await rm(root, { recursive: true, force: true });
  });

  async function logitsWith(dir: string): Promise<Float32Array> {
    const model = await CausalLM.load(base);
    const { lora, extra } = await loadAdapter(model, dir);
    assert.deepEqual([...extra.keys()], ['model.embed_tokens.weight']);
    const [b, t] = reference.shape;
    const { hook } = lora.hook({ dropout: false });
    const { g, logits } = model.buildForward({ batch: b, length: t, pastLength: 0, lastOnly: false }, hook);
    const exe = await rt.compile(g, { logits });
    const feeds: Record<string, Float32Array> = Object.fromEntries(model.hostWeights());
    for (const [module, ad] of lora.adapters) {
      feeds[`${module}.lora_A.weight`] = ad.a;
      feeds[`${module}.lora_B.weight`] = ad.b;
    }
    for (const [name, data] of extra) feeds[name] = data;
    const mask = reference.input_ids.map((row) => row.map(() => 1));
    const out = await exe.run({ ...feeds, ...model.batchFeeds({ ids: reference.input_ids, attentionMask: mask }) });
    return out.logits!.data as Float32Array;
  }

  it('gives PEFT\'s logits: the trained embedding is the input embedding and the output head', async () => {
    const got = await logitsWith(adapterDir);
    assert.equal(got.length, reference.logits.length);
    const diff = maxAbsDiff(got, reference.logits);
    assert.ok(diff < 1e-4, `max abs diff from PEFT ${diff}`);
    // PEFT's other reading (the original matrix as the head) is far away, so the comparison tells them apart.
    assert.ok(maxAbsDiff(got, reference.untied_head_logits) > 0.5);
  });

  it('loads ensure_weight_tying false when the saved head equals the embedding (PEFT loads it into the tied matrix), and refuses it without', async () => {
    const kept = await logitsWith(await untiedCopy('with-head', false));
    assert.ok(maxAbsDiff(kept, reference.logits) < 1e-4);
    const model = await CausalLM.load(base);
    await assert.rejects(loadAdapter(model, await untiedCopy('without-head', true)),
      /modules_to_save trains model\.embed_tokens\.weight, which this model also uses as its output head \(tied\), but ensure_weight_tying is false and "base_model\.model\.lm_head\.weight" is missing: .*set "ensure_weight_tying": true in adapter_config\.json; otherwise load it with PEFT/);
  });
});
