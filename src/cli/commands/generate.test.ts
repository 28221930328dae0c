/** tuna generate / init-model: the library call, its input errors, and the command line as a child process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TunaInputError } from '../../errors.js';
import { tempRoot, tinyModelFolder } from '../../models/testing/tiny-model-folder.js';
import { generateSchema, runGenerate, type GenerateCommandOptions } from './generate.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const options = (model: string, more: Partial<GenerateCommandOptions> = {}): GenerateCommandOptions =>
  generateSchema.parse({ model, prompt: 'The quick brown fox', maxNewTokens: 8, ...more });

/** Runs the CLI from source; resolves with the exit code and both streams. */
async function tuna(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
      cwd: repoRoot, env: { ...process.env, HF_HUB_OFFLINE: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('runGenerate streams the text it returns; --chat and --stop apply', async () => {
  const dir = await tinyModelFolder('qwen2');
  const pieces: string[] = [];
  const plain = await runGenerate(options(dir), { write: (t) => pieces.push(t) });
  assert.equal(plain.completionTokens, 8);
  assert.equal(pieces.join(''), plain.text);

  const chat = await runGenerate(options(dir, { chat: true, system: 'Be brief.' }));
  assert.ok(chat.promptTokens > plain.promptTokens, 'the chat template adds the turn markers and the system message');

  const stop = plain.text.slice(2, 4);
  const stopped = await runGenerate(options(dir, { stop: [stop] }));
  assert.equal(stopped.text, plain.text.slice(0, plain.text.indexOf(stop)));
  assert.equal(stopped.finishReason, 'stop');
});

test('input errors: missing folder, no config.json, unknown architecture, corrupt weights, too long a prompt, --system without --chat', async () => {
  const root = await tempRoot();
  const model = await tinyModelFolder('llama');
  const isInputError = (pattern: RegExp) => (e: unknown) => e instanceof TunaInputError && pattern.test(e.message);

  await assert.rejects(runGenerate(options(join(root, 'no-such-model'))), isInputError(/does not exist/));

  const empty = join(root, 'empty-model');
  await mkdir(empty, { recursive: true });
  await assert.rejects(runGenerate(options(empty)), isInputError(/has no config\.json/));

  const bert = join(root, 'bert-model');
  await mkdir(bert, { recursive: true });
  await writeFile(join(bert, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 64 }));
  await assert.rejects(runGenerate(options(bert)), isInputError(/model_type "bert" is not supported/));

  const corrupt = join(root, 'corrupt-model');
  await mkdir(corrupt, { recursive: true });
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) await copyFile(join(model, file), join(corrupt, file));
  const weights = await readFile(join(model, 'model.safetensors'));
  await writeFile(join(corrupt, 'model.safetensors'), weights.subarray(0, weights.length / 2));
  await assert.rejects(runGenerate(options(corrupt)), isInputError(/model\.safetensors/));

  const long = 'lorem ipsum '.repeat(600);
  await assert.rejects(runGenerate(options(model, { prompt: long })), isInputError(/context \(max_position_embeddings/));
  await assert.rejects(runGenerate(options(model, { system: 'x' })), isInputError(/--system is only used with --chat/));
});

test('the command line: generate --json prints one JSON object; bad input exits with 2', async () => {
  const dir = await tinyModelFolder('gpt_neox');
  const run = await tuna(['generate', '--model', dir, '--prompt', 'Hello', '--max-new-tokens', '5', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'nothing but the JSON object on stdout');
  const result = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(result).sort(), ['completion_tokens', 'prompt_tokens', 'seconds', 'text', 'tokens']);
  assert.equal((result.tokens as number[]).length, result.completion_tokens);

  const bad = await tuna(['init-model', '--arch', 'bert', '--out', join(await tempRoot(), 'bert')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bert/);
  assert.equal(bad.stdout, '');
});

test('--template wraps a plain question exactly as training rendered prompts (qa, a template file, chat)', async () => {
  const dir = await tinyModelFolder('qwen2');
  const root = await tempRoot();
  const asTrained = await runGenerate(options(dir, { prompt: '### Question:\nWhat is LoRA?\n\n### Answer:\n' }));
  const wrapped = await runGenerate(options(dir, { prompt: 'What is LoRA?', template: 'qa' }));
  assert.equal(wrapped.promptTokens, asTrained.promptTokens);
  assert.equal(wrapped.text, asTrained.text);

  const file = join(root, 'house.txt');
  await writeFile(file, 'Q: {question}\nA: {answer}\n');
  const fromFile = await runGenerate(options(dir, { prompt: 'What is LoRA?', template: file }));
  assert.equal(fromFile.text, (await runGenerate(options(dir, { prompt: 'Q: What is LoRA?\nA: ' }))).text);

  const chat = await runGenerate(options(dir, { prompt: 'What is LoRA?', template: 'chat', system: 'Be brief.' }));
  assert.equal(chat.text, (await runGenerate(options(dir, { prompt: 'What is LoRA?', chat: true, system: 'Be brief.' }))).text);

  const two = join(root, 'two.txt');
  await writeFile(two, '{context}\n{question}\n{answer}');
  await assert.rejects(runGenerate(options(dir, { prompt: 'x', template: two })), (e: unknown) => e instanceof TunaInputError && /2 fields besides \{answer\}.*\{context\}, \{question\}/.test(e.message));
  await assert.rejects(runGenerate(options(dir, { prompt: 'x', template: 'alpaca', chat: true })), (e: unknown) => e instanceof TunaInputError && /--chat and --template alpaca/.test(e.message));
});
