// `tuna train` options a new user reaches for: resume from the run folder alone, module lists with
// commas, --truncation for raw data, and a max length that follows the model's positions.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { initModel } from '../../models/init-model.js';
import { tuna } from '../testing/run-cli.js';

const root = await mkdtemp(join(tmpdir(), 'tuna-train-cli-'));
after(() => rm(root, { recursive: true, force: true }));
// The tiny preset has 512 positions.
const model = join(root, 'model');
await initModel({ arch: 'llama', preset: 'tiny', out: model, seed: 5 });
const records = Array.from({ length: 24 }, (_, i) => ({ question: `What is ${i} plus one?`, answer: `${i} plus one is ${i + 1}.` }));
const data = join(root, 'qa.jsonl');
await writeFile(data, records.map((r) => JSON.stringify(r)).join('\n'));
const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);
const config = async (run: string) => parseYaml(await readFile(join(run, 'config.yaml'), 'utf8')) as Record<string, unknown>;

describe('tuna train', () => {
  it('--resume latest needs only --out: the options come from the run folder, and --max-steps may be raised', async () => {
    const run = join(root, 'run-resume');
    const first = await tuna('train', '--model', model, '--data', data, '--out', run, '--max-steps', '3', '--batch-size', '4', '--lr', '1e-3', '--json');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(json(first.stdout).steps, 3);

    const more = await tuna('train', '--out', run, '--resume', 'latest', '--max-steps', '5', '--json');
    assert.equal(more.code, 0, more.stderr);
    assert.equal(json(more.stdout).steps, 5);
    assert.match(more.stderr + more.stdout, /resuming from .*checkpoint-3 at step 3 \(the run now ends at step 5 instead of 3/);
    const lines = (await readFile(join(run, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss?: number });
    assert.deepEqual(lines.filter((l) => l.loss !== undefined).map((l) => l.step), [1, 2, 3, 4, 5]);

    const again = await tuna('train', '--out', run, '--resume', 'latest');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already has 5 steps: raise --max-steps or --epochs/);

    const changed = await tuna('train', '--out', run, '--resume', 'latest', '--max-steps', '6', '--lr', '2e-3', '--batch-size', '4');
    assert.equal(changed.code, 2);
    assert.match(changed.stderr, /--resume: --lr 0\.002 \(the run has 0\.001\), from .*config\.yaml/);
    assert.doesNotMatch(changed.stderr, /--batch-size/);
  });

  it('--target-modules and --modules-to-save take commas as well as spaces', async () => {
    const run = join(root, 'run-commas');
    const r = await tuna('train', '--model', model, '--data', data, '--out', run, '--max-steps', '1', '--target-modules', 'q_proj,v_proj', 'o_proj');
    assert.equal(r.code, 0, r.stderr);
    const adapter = JSON.parse(await readFile(join(run, 'adapter', 'adapter_config.json'), 'utf8')) as { target_modules: string[] };
    assert.deepEqual([...adapter.target_modules].sort(), ['o_proj', 'q_proj', 'v_proj']);
    assert.deepEqual((await config(run)).targetModules, ['q_proj', 'v_proj', 'o_proj']);
  });

  it('--truncation truncate keeps raw examples longer than --max-length, as the error suggests', async () => {
    const long = join(root, 'long.jsonl');
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    await writeFile(long, Array.from({ length: 12 }, (_, i) => JSON.stringify({ question: `Say the list ${i}`, answer: words })).join('\n'));
    const dropped = await tuna('train', '--model', model, '--data', long, '--out', join(root, 'run-drop'), '--max-length', '40', '--max-steps', '1');
    assert.equal(dropped.code, 2);
    assert.match(dropped.stderr, /no training example is left.*--truncation truncate/);
    const cut = await tuna('train', '--model', model, '--data', long, '--out', join(root, 'run-cut'), '--max-length', '40', '--max-steps', '1', '--truncation', 'truncate', '--json');
    assert.equal(cut.code, 0, cut.stderr);
    assert.equal(json(cut.stdout).train_examples, 10);
  });

  it("--max-length defaults to the model's positions (at most 2048) and warns above them", async () => {
    const run = join(root, 'run-length');
    const r = await tuna('train', '--model', model, '--data', data, '--out', run, '--max-steps', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await config(run)).maxLength, 512);
    assert.doesNotMatch(r.stdout, /warning/);
    const above = await tuna('train', '--model', model, '--data', data, '--out', join(root, 'run-above'), '--max-steps', '1', '--max-length', '1024');
    assert.equal(above.code, 0, above.stderr);
    assert.match(above.stdout, /warning: --max-length 1024 is above the model's 512 positions/);

    const prep = await tuna('prepare', data, '--model', model, '--out', join(root, 'prepared'), '--json');
    assert.equal(json(prep.stdout).report.settings.maxLength, 512);
    const prepAbove = await tuna('prepare', data, '--model', model, '--out', join(root, 'prepared-above'), '--max-length', '4096');
    assert.equal(prepAbove.code, 0, prepAbove.stderr);
    assert.match(prepAbove.stdout, /warning \[above-model-positions\]: --max-length 4096 is above the model's 512 positions/);
  });
});
