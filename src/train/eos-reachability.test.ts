// Why the warning exists: with a tied, frozen head whose EOS row equals another id's row, LoRA
// cannot give EOS a higher logit than its twin however long it trains; with modules_to_save
// embed_tokens the same overfit makes EOS the argmax after the answer.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { uploadAdapter } from '../generate/resident-adapter.js';
import { openSafetensors, writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import { CausalLM } from '../models/model.js';
import { Runtime } from '../runtime/runtime.js';
import { headRowTwins } from './eos-reachability.js';
import { fineTune } from './fine-tune.js';

const EOS = 2;
const TWIN = 1; // a lower id than EOS: an argmax that breaks ties by the first index would pick it
const root = await mkdtemp(join(tmpdir(), 'tuna-eos-reach-'));
const model = join(root, 'model');
await cp(new URL('../../fixtures/models/llama', import.meta.url).pathname, model, { recursive: true });
{
  const file = await openSafetensors(join(model, 'model.safetensors'));
  const tensors: Record<string, TensorToWrite> = {};
  for (const t of file.tensors) tensors[t.name] = { dtype: 'F32', shape: t.shape, data: await file.readFloat32(t.name) };
  const embed = tensors['model.embed_tokens.weight']!;
  const hidden = embed.shape[1]!;
  (embed.data as Float32Array).copyWithin(TWIN * hidden, EOS * hidden, (EOS + 1) * hidden);
  await writeSafetensors(join(model, 'model.safetensors'), tensors, { format: 'pt' });
}
const prompt = [10, 11, 12, 13];
const answer = [20, 21, EOS];
await mkdir(join(root, 'data'));
await writeFile(join(root, 'data', 'train.jsonl'), Array.from({ length: 8 }, () => JSON.stringify({
  input_ids: [...prompt, ...answer], labels: [...prompt.map(() => -100), ...answer],
})).join('\n'));

describe('EOS behind a tied frozen head', () => {
  const rt = new Runtime();
  after(async () => {
    await rt.close();
    await rm(root, { recursive: true, force: true });
  });

  /** Overfits the one example, then returns the logits after the answer's last word. */
  async function overfit(name: string, modulesToSave?: string[]): Promise<Float32Array> {
    const run = await fineTune(rt, {
      model, data: join(root, 'data'), out: join(root, name), method: 'lora', targetModules: ['q_proj', 'v_proj', 'o_proj'], modulesToSave,
      loraR: 4, loraAlpha: 8, loraDropout: 0, lr: 3e-2, maxSteps: 40, batchSize: 8, warmup: 0, schedule: 'constant', seed: 3,
    });
    const base = await CausalLM.load(model);
    const { adapter } = await uploadAdapter(rt, base, name, run.outputDir);
    const ids = [[...prompt, ...answer.slice(0, -1)]];
    const exe = await base.compiledForward(rt, { batch: 1, length: ids[0]!.length, pastLength: 0, lastOnly: true }, adapter);
    const out = await exe.run({ ...base.batchFeeds({ ids, attentionMask: [ids[0]!.map(() => 1)] }), ...Object.fromEntries(await base.residentWeights(rt)), ...adapter.feeds }, { fetch: ['logits'] });
    return out.logits!.data as Float32Array;
  }
  const argmax = (x: Float32Array) => x.reduce((best, v, i) => (v > x[best]! ? i : best), 0);

  it('finds the shared row', async () => {
    assert.deepEqual((await headRowTwins(model, [EOS, 20]))?.shared, [{ id: EOS, twins: [TWIN] }]);
  });

  it('LoRA alone keeps EOS tied with its twin; with modules_to_save embed_tokens EOS becomes the argmax', async () => {
    const frozen = await overfit('lora');
    assert.equal(frozen[EOS], frozen[TWIN]);
    assert.notEqual(argmax(frozen), EOS);
    const saved = await overfit('saved', ['embed_tokens']);
    assert.equal(argmax(saved), EOS);
    assert.ok(saved[EOS]! > saved[TWIN]! + 1, `EOS ${saved[EOS]} vs twin ${saved[TWIN]}`);
  });
});
