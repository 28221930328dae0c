// `tuna serve` as a real process, driven by the official OpenAI client: a tiny model as
// `tuna init-model` writes it, two random LoRA adapters, greedy decoding so every answer is reproducible.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { initModel } from '../models/init-model.js';
import { CausalLM } from '../models/model.js';
import { writeRandomAdapter } from './testing/random-adapter.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'test-key';

let root: string;
let modelDir: string;
let server: ChildProcessWithoutNullStreams;
let stderr = '';
let client: OpenAI;

/** Runs the CLI from source; resolves with its stdout once `ready` matches it. */
function tuna(args: string[], ready: RegExp): Promise<{ child: ChildProcessWithoutNullStreams; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: REPO, stdio: 'pipe' });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let stdout = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const match = ready.exec(stdout);
      if (match) resolve({ child, match });
    });
    child.on('exit', (code) => reject(new Error(`tuna serve exited with ${code} before printing ${ready}:\n${stdout}\n${stderr}`)));
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tuna-serve-cli-'));
  modelDir = join(root, 'tiny');
  await initModel({ arch: 'llama', preset: 'tiny', out: modelDir, seed: 7 });
  const base = await CausalLM.load(modelDir);
  await writeRandomAdapter(base, join(root, 'a'), 1);
  await writeRandomAdapter(base, join(root, 'b'), 2);
  const started = await tuna(
    ['serve', '--model', modelDir, '--adapter', `a=${join(root, 'a')}`, '--adapter', `b=${join(root, 'b')}`, '--port', '0', '--api-key', KEY],
    /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/,
  );
  server = started.child;
  client = new OpenAI({ baseURL: started.match[1], apiKey: KEY, maxRetries: 0 });
});

after(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

const question = [{ role: 'user' as const, content: 'What is a tuna?' }];
const chat = (model: string, maxTokens = 6) => client.chat.completions.create({ model, messages: question, max_tokens: maxTokens, temperature: 0 });
const answers = new Map<string, string>();

test('the base model and each adapter answer a chat, differently and reproducibly', async () => {
  assert.deepEqual((await client.models.list()).data.map((m) => m.id), [modelDir, 'a', 'b']);
  for (const model of [modelDir, 'a', 'b']) {
    const r = await chat(model);
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0]!.finish_reason, 'length');
    assert.equal(r.usage!.completion_tokens, 6);
    answers.set(model, r.choices[0]!.message.content!);
  }
  assert.equal(new Set(answers.values()).size, 3, `answers: ${JSON.stringify([...answers])}`);
  assert.equal((await chat('a')).choices[0]!.message.content, answers.get('a'));
});

test('streamed chats and completions add up to the whole answers', async () => {
  const stream = await client.chat.completions.create({ model: 'b', messages: question, max_tokens: 6, temperature: 0, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  assert.equal(text, answers.get('b'));

  const whole = await client.completions.create({ model: 'a', prompt: 'Tuna swim', max_tokens: 5, temperature: 0 });
  assert.equal(whole.object, 'text_completion');
  const pieces = await client.completions.create({ model: 'a', prompt: 'Tuna swim', max_tokens: 5, temperature: 0, stream: true });
  let streamed = '';
  for await (const chunk of pieces) streamed += chunk.choices[0]!.text;
  assert.equal(streamed, whole.choices[0]!.text);
});

test('a wrong key is a 401; an unknown model and a too long request are 400s', async () => {
  const stranger = new OpenAI({ baseURL: client.baseURL, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(stranger.models.list(), OpenAI.AuthenticationError);
  await assert.rejects(chat('c'), (e) => e instanceof OpenAI.BadRequestError && e.code === 'model_not_found');
  await assert.rejects(chat('a', 100_000), (e) => e instanceof OpenAI.BadRequestError && e.code === 'context_length_exceeded');
});

test('20 concurrent requests over three models are all answered as if alone', async () => {
  const models = [modelDir, 'a', 'b'];
  const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(models[i % 3]!)));
  replies.forEach((r, i) => assert.equal(r.choices[0]!.message.content, answers.get(models[i % 3]!), `request ${i}`));
});

test('a client dropping its stream does not hurt the server; it stops at SIGTERM', async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    { model: 'a', messages: question, max_tokens: 300, temperature: 0, stream: true },
    { signal: controller.signal },
  );
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta.content) controller.abort();
  }
  assert.equal((await chat('b')).choices[0]!.message.content, answers.get('b'));
  assert.match(stderr, /POST \/v1\/chat\/completions dropped model=a/);
  assert.match(stderr, /POST \/v1\/chat\/completions 200 model=b tokens=\d+\+6 finish=length/);
  server.kill('SIGTERM');
  const [code] = await once(server, 'exit');
  assert.equal(code, 0, stderr);
});
