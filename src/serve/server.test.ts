// The HTTP layer against a fake engine: response shapes, errors, the key, queueing and dropped clients.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startServer, type RunningServer } from './server.js';
import { FakeEngine } from './testing/fake-engine.js';

let engine: FakeEngine;
let server: RunningServer;
let client: OpenAI;
const logLines: string[] = [];

before(async () => {
  engine = new FakeEngine();
  server = await startServer(engine, { port: 0, log: (line) => logLines.push(line) });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(() => server.close());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** The status and the OpenAI error object of a failed request. */
async function errorOf(response: Response): Promise<{ status: number; error: Record<string, unknown> }> {
  const json = (await response.json()) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
  return { status: response.status, error: json.error };
}

/** The JSON events of an event stream, and whether it ended with [DONE]. */
async function events(response: Response): Promise<{ chunks: Record<string, any>[]; done: boolean }> {
  assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const text = await response.text();
  const data = text.split('\n\n').filter(Boolean).map((e) => {
    assert.ok(e.startsWith('data: '), `event ${JSON.stringify(e)} lacks "data: "`);
    return e.slice(6);
  });
  const done = data.at(-1) === '[DONE]';
  return { chunks: data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d)), done };
}

test('GET /v1/models lists the base and its adapters; one model can be retrieved', async () => {
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => [m.id, m.object, m.owned_by]), [['base', 'model', 'tuna'], ['adapter-a', 'model', 'tuna']]);
  assert.equal((await client.models.retrieve('adapter-a')).id, 'adapter-a');
  await assert.rejects(client.models.retrieve('nope'), (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found');
});

test('a chat completion has the chat.completion shape with usage', async () => {
  const r = await client.chat.completions.create({ model: 'adapter-a', messages: [{ role: 'user', content: 'hi' }], max_tokens: 40 });
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.model, 'adapter-a');
  assert.deepEqual(r.choices, [{ index: 0, message: { role: 'assistant', content: 'adapter-a>user:hi', refusal: null }, logprobs: null, finish_reason: 'stop' }]);
  assert.deepEqual(r.usage, { prompt_tokens: 7, completion_tokens: 17, total_tokens: 24 });
  assert.equal(engine.started.at(-1)!.temperature, 1, 'OpenAI default temperature');
});

test('a streamed chat sends the role, the text, the finish reason, then [DONE]', async () => {
  const response = await post('/v1/chat/completions', { model: 'base', messages: [{ role: 'user', content: 'ab' }], max_tokens: 8, stream: true });
  assert.equal(response.status, 200);
  const { chunks, done } = await events(response);
  assert.ok(done);
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id && c.model === 'base' && !('usage' in c)));
  assert.deepEqual(chunks[0]!.choices, [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  assert.equal(chunks.slice(1, -1).map((c) => c.choices[0].delta.content).join(''), 'base>use');
  assert.deepEqual(chunks.at(-1)!.choices, [{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }]);
});

test('stream_options.include_usage adds a last chunk with no choices and the token counts', async () => {
  const stream = await client.chat.completions.create({
    model: 'base', messages: [{ role: 'user', content: 'x' }], max_tokens: 3, stream: true, stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  assert.deepEqual(chunks.at(-1), { ...chunks.at(-1), choices: [], usage: { prompt_tokens: 6, completion_tokens: 3, total_tokens: 9 } });
});

test('completions, whole and streamed, stop before a stop string', async () => {
  const r = await client.completions.create({ model: 'base', prompt: 'one|two', max_tokens: 30, stop: ['|'] });
  assert.equal(r.object, 'text_completion');
  assert.match(r.id, /^cmpl-/);
  assert.deepEqual(r.choices, [{ text: 'base>one', index: 0, logprobs: null, finish_reason: 'stop' }]);
  const stream = await client.completions.create({ model: 'base', prompt: [[104, 105]], max_tokens: 4, stream: true });
  let text = '';
  let finish: string | null = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'text_completion');
    text += chunk.choices[0]!.text;
    finish = chunk.choices[0]!.finish_reason ?? finish;
  }
  assert.equal(text, 'base');
  assert.equal(finish, 'length');
});

test('bad requests are 400s in the OpenAI error shape', async () => {
  const chat = { model: 'base', messages: [{ role: 'user', content: 'x' }] };
  const cases: [unknown, string | null, string | null, RegExp][] = [
    ['{not json', null, null, /could not parse the JSON body/],
    [[1, 2], null, null, /must be a JSON object/],
    [{ ...chat, model: 'nope' }, 'model', 'model_not_found', /`nope` does not exist.*`base`, `adapter-a`/],
    [{ model: 'base' }, 'messages', 'missing_required_parameter', /Missing required parameter: 'messages'/],
    [{ ...chat, n: 2 }, 'n', 'unsupported_value', /only n = 1/],
    [{ ...chat, max_tokens: 60 }, 'messages', 'context_length_exceeded', /maximum context length is 64 tokens.*66 tokens \(6 in the messages, 60/],
  ];
  for (const [body, param, code, message] of cases) {
    const { status, error } = await errorOf(await post('/v1/chat/completions', body as object));
    assert.equal(status, 400, JSON.stringify(body));
    assert.deepEqual([error.type, error.param, error.code], ['invalid_request_error', param, code]);
    assert.match(String(error.message), message);
  }
  await assert.rejects(client.completions.create({ model: 'base', prompt: 'x'.repeat(70) }), (e) => e instanceof OpenAI.BadRequestError && e.code === 'context_length_exceeded');
});

test('unknown routes are 404s and wrong methods 405s naming the allowed one', async () => {
  const notFound = await errorOf(await post('/v1/embeddings', {}));
  assert.equal(notFound.status, 404);
  assert.match(String(notFound.error.message), /POST \/v1\/embeddings/);
  const response = await fetch(`${server.url}/v1/chat/completions`);
  assert.equal(response.headers.get('allow'), 'POST');
  const wrong = await errorOf(response);
  assert.equal(wrong.status, 405);
  assert.match(String(wrong.error.message), /GET is not allowed on \/v1\/chat\/completions; use POST/);
});

test('with an API key, requests without it or with another one get 401', async () => {
  const locked = await startServer(new FakeEngine(), { port: 0, apiKey: 'sesame', log: () => {} });
  try {
    const wrong = new OpenAI({ baseURL: `${locked.url}/v1`, apiKey: 'guess', maxRetries: 0 });
    await assert.rejects(wrong.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.code === 'invalid_api_key');
    const none = await fetch(`${locked.url}/v1/models`);
    assert.equal((await errorOf(none)).status, 401);
    const right = new OpenAI({ baseURL: `${locked.url}/v1`, apiKey: 'sesame', maxRetries: 0 });
    assert.equal((await right.chat.completions.create({ model: 'base', messages: [{ role: 'user', content: 'k' }], max_tokens: 2 })).choices[0]!.message.content, 'ba');
  } finally {
    await locked.close();
  }
});

test('20 concurrent requests queue and are all answered, one generation at a time', async () => {
  const before = engine.started.length;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    client.completions.create({ model: i % 2 ? 'adapter-a' : 'base', prompt: `#${i}`, max_tokens: 40 })));
  answers.forEach((r, i) => assert.equal(r.choices[0]!.text, `${i % 2 ? 'adapter-a' : 'base'}>#${i}`));
  assert.equal(engine.started.length - before, 20);
});

test('a client that drops a stream stops its generation; a queued client that leaves never starts', async () => {
  const slow = new FakeEngine(['base'], 20);
  const lines: string[] = [];
  const local = await startServer(slow, { port: 0, log: (line) => lines.push(line) });
  try {
    const localClient = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const streaming = new AbortController();
    const stream = await localClient.chat.completions.create(
      { model: 'base', messages: [{ role: 'user', content: 'a long question' }], max_tokens: 40, stream: true },
      { signal: streaming.signal },
    );
    const queued = new AbortController();
    const waiting = localClient.completions.create({ model: 'base', prompt: 'queued', max_tokens: 5 }, { signal: queued.signal });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break; // leaving the loop closes the connection
    }
    queued.abort();
    await assert.rejects(waiting, OpenAI.APIUserAbortError);
    const after = await localClient.completions.create({ model: 'base', prompt: 'later', max_tokens: 10 });
    assert.equal(after.choices[0]!.text, 'base>later');
    assert.equal(slow.aborted.length, 1, 'the dropped stream was aborted');
    assert.deepEqual(slow.started.map((r) => r.model + r.promptTokens.length), ['base20', 'base5']);
    assert.equal(lines.filter((l) => / dropped /.test(l)).length, 2);
  } finally {
    await local.close();
  }
});

test('every request leaves one log line', () => {
  assert.ok(logLines.some((l) => / POST \/v1\/chat\/completions 200 model=adapter-a tokens=7\+17 finish=stop \d+ms$/.test(l)), logLines.join('\n'));
  assert.ok(logLines.some((l) => / POST \/v1\/chat\/completions 400 .*error: The model `nope` does not exist/.test(l)));
  assert.ok(logLines.some((l) => / GET \/v1\/chat\/completions 405 /.test(l)));
});
