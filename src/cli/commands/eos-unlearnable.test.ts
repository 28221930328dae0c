// inspect, prepare and train warn when the EOS row of a frozen output head equals other rows (the
// model could never learn to stop), suggest --modules-to-save, and stay quiet when nothing is wrong.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSafetensors, writeSafetensors, type TensorToWrite } from '../../io/safetensors.js';
import { initModel, type InitArchitecture } from '../../models/init-model.js';
import { loadTokenizer } from '../../tokenizer/index.js';
import { tuna } from '../testing/run-cli.js';

const root = await mkdtemp(join(tmpdir(), 'tuna-eos-rows-'));
after(() => rm(root, { recursive: true, force: true }));

/** A tiny model whose `key` rows `copies` hold the EOS row (as unused byte tokens share `</s>`'s row in stories260K). */
async function modelWithSharedRows(name: string, arch: InitArchitecture, key: string | null, copies: number[]): Promise<{ dir: string; eos: number; eosToken: string }> {
  const dir = join(root, name);
  await initModel({ arch, preset: 'tiny', out: dir, seed: 3 });
  const tok = await loadTokenizer(dir);
  const eos = tok.eosTokenId!;
  if (key) {
    const file = await openSafetensors(join(dir, 'model.safetensors'));
    const tensors: Record<string, TensorToWrite> = {};
    for (const t of file.tensors) tensors[t.name] = { dtype: 'F32', shape: t.shape, data: await file.readFloat32(t.name) };
    const table = tensors[key]!.data as Float32Array;
    const hidden = tensors[key]!.shape[1]!;
    for (const id of copies) table.copyWithin(id * hidden, eos * hidden, (eos + 1) * hidden);
    await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  }
  return { dir, eos, eosToken: tok.eosToken! };
}

const data = join(root, 'qa.jsonl');
await writeFile(data, Array.from({ length: 12 }, (_, i) => JSON.stringify({ question: `What is ${i} plus one?`, answer: `${i + 1}.` })).join('\n'));
const tied = await modelWithSharedRows('tied', 'llama', 'model.embed_tokens.weight', [300, 301, 302]);
const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);
const train = (model: string, out: string, ...more: string[]) =>
  tuna('train', '--model', model, '--data', data, '--out', join(root, out), '--max-steps', '1', '--batch-size', '4', ...more);

describe('eos-unlearnable', () => {
  it('inspect and prepare name the token, how many ids share its row, and --modules-to-save embed_tokens', async () => {
    const token = JSON.stringify(tied.eosToken).replace(/[|]/g, '\\|');
    const expected = new RegExp(`\\[eos-unlearnable\\]:? ${token} \\(id ${tied.eos}\\), the end-of-sequence token the answers end with, has the same row in the output head \\(the input embedding embed_tokens, tied to it\\) as 3 other ids \\(.*\\(id 300\\), .*\\(id 301\\), .*\\(id 302\\)\\)\\. If you train with LoRA or QLoRA, which leave that matrix frozen, all 4 keep the same logit, so the model cannot learn to stop.*Train with --modules-to-save embed_tokens, which trains the embedding and with it the head \\(in PEFT: modules_to_save=\\["embed_tokens"\\] and ensure_weight_tying=True`);
    const inspect = await tuna('inspect', data, '--model', tied.dir, '--template', 'qa');
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, expected);
    const report = json((await tuna('inspect', data, '--model', tied.dir, '--template', 'qa', '--json')).stdout);
    assert.deepEqual(report.tokens.trainedEndIds, [tied.eos]);
    assert.deepEqual(report.warnings.filter((w: { code: string }) => w.code === 'eos-unlearnable').map((w: { count: number }) => w.count), [3]);

    const out = join(root, 'prepared');
    const prepare = await tuna('prepare', data, '--model', tied.dir, '--template', 'qa', '--out', out, '--test-size', '2');
    assert.equal(prepare.code, 0, prepare.stderr);
    assert.match(prepare.stdout, expected);
    const written = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    assert.deepEqual(written.train.warnings.map((w: { code: string }) => w.code), ['eos-unlearnable']);
    assert.match(await readFile(join(out, 'report.md'), 'utf8'), /\[eos-unlearnable\]/);
  });

  it('train with LoRA warns; --modules-to-save embed_tokens and full fine-tuning do not', async () => {
    const lora = await train(tied.dir, 'run-lora');
    assert.equal(lora.code, 0, lora.stderr);
    assert.match(lora.stdout, new RegExp(`warning: .*\\(id ${tied.eos}\\).* as 3 other ids .*, and --method lora leaves that matrix frozen: all 4 keep the same logit.*Add --modules-to-save embed_tokens, which trains the embedding and with it the head \\(or use --method full\\)\\.`));

    const saved = await train(tied.dir, 'run-save', '--modules-to-save', 'embed_tokens');
    assert.equal(saved.code, 0, saved.stderr);
    assert.doesNotMatch(saved.stdout, /warning/);
    const config = JSON.parse(await readFile(join(root, 'run-save', 'adapter', 'adapter_config.json'), 'utf8'));
    assert.deepEqual([config.modules_to_save, config.ensure_weight_tying], [['embed_tokens'], true]);
    const weights = await openSafetensors(join(root, 'run-save', 'adapter', 'adapter_model.safetensors'));
    // PEFT with ensure_weight_tying saves the tied head under its own name too.
    assert.deepEqual(await weights.readFloat32('base_model.model.lm_head.weight'), await weights.readFloat32('base_model.model.model.embed_tokens.weight'));

    const full = await train(tied.dir, 'run-full', '--method', 'full');
    assert.equal(full.code, 0, full.stderr);
    assert.doesNotMatch(full.stdout, /warning/);
  });

  it('a distinct EOS row, or an untied head whose rows differ, gets no warning; a shared untied head row suggests lm_head', async () => {
    const clean = await modelWithSharedRows('clean', 'llama', null, []);
    const inputOnly = await modelWithSharedRows('untied-input', 'mistral', 'model.embed_tokens.weight', [300, 301]);
    for (const model of [clean, inputOnly]) {
      const inspect = await tuna('inspect', data, '--model', model.dir, '--template', 'qa');
      assert.equal(inspect.code, 0, inspect.stderr);
      assert.doesNotMatch(inspect.stdout, /eos-unlearnable/);
      const lora = await train(model.dir, `run-${model.dir.split('/').pop()}`);
      assert.equal(lora.code, 0, lora.stderr);
      assert.doesNotMatch(lora.stdout, /warning/);
    }
    const head = await modelWithSharedRows('untied-head', 'mistral', 'lm_head.weight', [300]);
    const inspect = await tuna('inspect', data, '--model', head.dir, '--template', 'qa');
    assert.match(inspect.stdout, /has the same row in the output head \(lm_head\) as 1 other id .*Train with --modules-to-save lm_head \(in PEFT: modules_to_save=\["lm_head"\]\), or with --method full\./);
    assert.doesNotMatch((await train(head.dir, 'run-head', '--modules-to-save', 'lm_head')).stdout, /warning/);
  });

  it('--modules-to-save lm_head on a tied model says to train the embedding instead', async () => {
    const r = await train(tied.dir, 'run-tied-head', '--modules-to-save', 'lm_head');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /modules_to_save "lm_head": this model's output head is tied to its input embedding \(model\.embed_tokens\.weight\), which Tuna trains as one matrix; use "embed_tokens"/);
  });
});
