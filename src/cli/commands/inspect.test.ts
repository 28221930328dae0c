// tuna inspect on small committed files, run in this process (a child process spends seconds starting).
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeTinyModel } from '../../data/testing/tiny-tokenizers.js';
import { tuna } from '../testing/run-cli.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../../fixtures/data', name);
const root = await mkdtemp(join(tmpdir(), 'tuna-inspect-cli-'));
after(() => rm(root, { recursive: true, force: true }));
const model = await writeTinyModel(join(root, 'model'), 'chatml');


describe('tuna inspect', () => {
  it('warns when --map completion=... runs the prompt straight into the answer, and not when a separator is there', async () => {
    const file = join(root, 'prompt-response.jsonl');
    await writeFile(file, [{ prompt: 'What is 2+2?', response: '4' }, { prompt: 'Capital of France?', response: 'Paris' }].map((r) => JSON.stringify(r)).join('\n'));
    for (const command of ['inspect', 'prepare']) {
      const run = await tuna(command, file, '--model', model, '--map', 'completion=response', ...(command === 'prepare' ? ['--out', join(root, 'sep-data'), '--test-size', '0'] : []));
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /\[no-separator\]:? 2 examples run the prompt straight into the answer .*template "plain".*--template qa/);
    }
    const spaced = join(root, 'spaced.jsonl');
    await writeFile(spaced, JSON.stringify({ prompt: 'What is 2+2?\n', completion: '4' }));
    assert.doesNotMatch((await tuna('inspect', spaced, '--model', model)).stdout, /no-separator/);
    assert.doesNotMatch((await tuna('inspect', file, '--model', model, '--map', 'completion=response', '--template', 'qa')).stdout, /no-separator/);
  });

  it('prints the report, with samples in brackets when stdout is not a terminal', async () => {
    const run = await tuna('inspect', fixture('qa.jsonl'), '--model', model);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /qa\.jsonl: 3 records, 3 examples, format question-answer/);
    assert.match(run.stdout, /### Answer:\n\[\[No\.<\|im_end\|>\]\]/);
  });

  it('takes a folder with only the tokenizer files as --model', async () => {
    const folder = join(root, 'tokenizer-only');
    await mkdir(folder);
    for (const name of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) await copyFile(join(model, name), join(folder, name));
    const run = await tuna('inspect', fixture('qa.jsonl'), '--model', folder, '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).tokens.total.count, 3);
  });

  it('--json prints one JSON object; the character level needs no model', async () => {
    const run = await tuna('inspect', fixture('chat-traps.jsonl'), '--model', model, '--max-length', '100', '--json');
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.tokens.overMaxLength, 1);
    assert.deepEqual(report.warnings.map((w: { code: string }) => w.code), ['empty-answer', 'no-trained-message', 'all-labels-masked', 'prompt-too-long', 'over-max-length']);
    const plain = JSON.parse((await tuna('inspect', fixture('messy-qa.jsonl'), '--skip-bad', '--json')).stdout);
    assert.equal(plain.tokens, null);
    assert.equal(plain.skippedLines, 1);
  });

  it('renames columns and picks formats and templates from flags', async () => {
    const run = await tuna('inspect', fixture('renamed-columns.csv'), '--model', model, '--map', 'question=Title', 'answer=Body', '--template', 'alpaca', '--json');
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual([report.format, report.examples, report.tokens.template], ['question-answer', 2, 'alpaca']);
    const forced = await tuna('inspect', fixture('renamed-columns.csv'), '--map', 'prompt=Title', 'completion=Body', '--format', 'prompt-completion', '--json');
    assert.equal(JSON.parse(forced.stdout).format, 'prompt-completion');
  });

  it('exits with 2 on bad input, naming the file and line', async () => {
    const malformed = await tuna('inspect', fixture('malformed.jsonl'));
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /malformed\.jsonl:3, column \d+: not valid JSON/);
    assert.match(malformed.stderr, /--skip-bad/);
    assert.equal((await tuna('inspect', fixture('no-such.jsonl'))).code, 2);
    assert.equal((await tuna('inspect', fixture('qa.jsonl'), '--template', 'nope')).code, 2);
    assert.equal((await tuna('inspect', fixture('qa.jsonl'), '--map', 'broken')).code, 2);
    assert.equal((await tuna('inspect', fixture('chat.jsonl'), '--model', model, '--template', 'qa')).code, 2);
  });
});
