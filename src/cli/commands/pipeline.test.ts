// The whole pipeline through the command line on a tiny model: prepare, train (LoRA, then QLoRA
// on a `tuna quantize` copy), eval --compare-base with its report, merge; and Ctrl-C during
// `tuna train` in a real process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { initModel } from '../../models/init-model.js';
import { tuna } from '../testing/run-cli.js';

const root = await mkdtemp(join(tmpdir(), 'tuna-pipeline-'));
after(() => rm(root, { recursive: true, force: true }));
const model = join(root, 'model');
await initModel({ arch: 'llama', preset: 'tiny', out: model, seed: 11 });
const colours = ['red', 'blue', 'green', 'yellow'];
const records = Array.from({ length: 48 }, (_, i) => ({ question: `What colour is box ${i}?`, answer: `Box ${i} is ${colours[i % 4]}.` }));
await writeFile(join(root, 'qa.jsonl'), records.map((r) => JSON.stringify(r)).join('\n'));
const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('the pipeline from the command line', () => {
  it('prepare, train with LoRA, and eval --compare-base: the fine-tuned model is ahead and the report has the table and chart', async () => {
    const prep = await tuna('prepare', join(root, 'qa.jsonl'), '--model', model, '--template', 'qa', '--out', join(root, 'data'), '--test-size', '8');
    assert.equal(prep.code, 0, prep.stderr);
    const train = await tuna('train', '--model', model, '--data', join(root, 'data'), '--out', join(root, 'run'), '--epochs', '12',
      '--lr', '5e-3', '--batch-size', '8', '--lora-r', '16', '--target-modules', 'all-linear', '--modules-to-save', 'embed_tokens', '--json');
    assert.equal(train.code, 0, train.stderr);
    const trained = json(train.stdout);
    assert.equal(trained.output, join(root, 'run', 'adapter'));
    assert.deepEqual((await readdir(join(root, 'run'))).filter((f) => !f.startsWith('checkpoint-')).sort(), ['adapter', 'config.yaml', 'loss.svg', 'metrics.jsonl']);

    const ev = await tuna('eval', '--model', model, '--adapter', join(root, 'run', 'adapter'), '--data', join(root, 'data', 'test.jsonl'),
      '--compare-base', '--max-new-tokens', '12', '--out', join(root, 'report'), '--json');
    assert.equal(ev.code, 0, ev.stderr);
    const result = json(ev.stdout);
    assert.ok(result.fine_tuned.loss < result.base.loss - 0.5, `loss ${result.fine_tuned.loss} vs base ${result.base.loss}`);
    assert.ok(result.fine_tuned.rouge_l > result.base.rouge_l, `ROUGE-L ${result.fine_tuned.rouge_l} vs base ${result.base.rouge_l}`);
    const html = await readFile(join(root, 'report', 'report.html'), 'utf8');
    assert.match(html, /<table[\s\S]*ROUGE-L[\s\S]*<\/table>/);
    assert.match(html, /<svg[\s\S]*<polyline[\s\S]*<\/svg>/);
    assert.match(await readFile(join(root, 'report', 'report.md'), 'utf8'), /\| ROUGE-L \|/);

    const merged = await tuna('merge', '--model', model, '--adapter', join(root, 'run', 'adapter'), '--out', join(root, 'merged'));
    assert.equal(merged.code, 0, merged.stderr);
    assert.ok((await readdir(join(root, 'merged'))).includes('model.safetensors'));
  });

  it('quantize, then train QLoRA on the 4-bit copy', async () => {
    const q = await tuna('quantize', '--model', model, '--out', join(root, 'model-4bit'));
    assert.equal(q.code, 0, q.stderr);
    const config = JSON.parse(await readFile(join(root, 'model-4bit', 'config.json'), 'utf8'));
    assert.equal(config.quantization_config.bnb_4bit_quant_type, 'nf4');
    const train = await tuna('train', '--model', join(root, 'model-4bit'), '--data', join(root, 'data'), '--out', join(root, 'run-q'),
      '--method', 'qlora', '--max-steps', '3', '--batch-size', '8', '--json');
    assert.equal(train.code, 0, train.stderr);
    assert.equal(json(train.stdout).steps, 3);
  });

  it('bad input exits with code 2 and says what was wrong', async () => {
    const r = await tuna('train', '--model', model, '--data', join(root, 'nope'), '--out', join(root, 'x'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--data .*nope: no such file or folder/);
    const bad = await tuna('train', '--model', model, '--data', join(root, 'data'), '--out', join(root, 'x'), '--lora-r', '0');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--lora-r/);
  });

  it('Ctrl-C during tuna train saves a checkpoint and exits cleanly', async () => {
    const cli = fileURLToPath(new URL('../run.ts', import.meta.url));
    const out = join(root, 'run-interrupted');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'train', '--model', model, '--data', join(root, 'data'), '--out', out,
      '--epochs', '500', '--batch-size', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (!sent && /step \d+\/\d+/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('close', resolve);
    });
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted/);
    const checkpoints = (await readdir(out)).filter((f) => f.startsWith('checkpoint-'));
    assert.equal(checkpoints.length, 1);
    assert.ok((await readdir(join(out, checkpoints[0]!))).includes('trainer_state.json'));
  });
});
