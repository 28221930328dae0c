import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TunaInputError } from '../errors.js';
import { ChatEndpoint, EndpointError, endpointBaseUrl } from './client.js';
import { closedPort, startScriptedEndpoint } from './testing/scripted-endpoint.js';

const ask = [{ role: 'user' as const, content: 'hi' }];

test('a bare host gets /v1; a path is kept', () => {
  assert.equal(endpointBaseUrl('http://localhost:8000'), 'http://localhost:8000/v1');
  assert.equal(endpointBaseUrl('http://localhost:8000/v1/'), 'http://localhost:8000/v1');
  assert.equal(endpointBaseUrl('https://api.example.com/openai/v1'), 'https://api.example.com/openai/v1');
  assert.throws(() => endpointBaseUrl('localhost:8000'), TunaInputError);
});

test('429 and 503 are retried (Retry-After honoured) until the answer comes; usage is read', async () => {
  const fast = { 'retry-after-ms': '5' };
  const server = await startScriptedEndpoint({ reply: (_r, n) => (n === 0 ? { status: 429, headers: fast } : n === 1 ? { status: 503, headers: fast } : 'hello') });
  const failures: string[] = [];
  try {
    const endpoint = new ChatEndpoint({ url: server.url, model: 'teacher', onFailedAttempt: (r) => failures.push(r) });
    const reply = await endpoint.chat(ask, { temperature: 0.7, maxTokens: 20 });
    assert.equal(reply.text, 'hello');
    assert.ok(reply.promptTokens > 0);
    assert.equal(reply.completionTokens, 5);
    assert.deepEqual(failures, ['429', '503']);
    assert.equal(server.requests.length, 3);
    assert.equal(server.requests[2]!.max_tokens, 20);
  } finally {
    await server.close();
  }
});

test('a server that keeps failing gives an EndpointError once the retries are spent', async () => {
  const server = await startScriptedEndpoint({ reply: () => ({ status: 500, headers: { 'retry-after-ms': '1' } }) });
  try {
    const endpoint = new ChatEndpoint({ url: server.url, model: 'teacher', maxRetries: 2 });
    await assert.rejects(endpoint.chat(ask), (e: unknown) => e instanceof EndpointError && e.status === 500);
    assert.equal(server.requests.length, 3);
  } finally {
    await server.close();
  }
});

test('check(): a wrong key, an unknown model and nothing listening are input errors that say what to do', async () => {
  const server = await startScriptedEndpoint({ apiKey: 'sesame', models: ['teacher', 'other'], reply: () => 'x' });
  try {
    await assert.rejects(new ChatEndpoint({ url: server.url, model: 'teacher', apiKey: 'guess' }).check(), (e: unknown) =>
      e instanceof TunaInputError && /refused the API key \(HTTP 401\).*--api-key-env/.test(e.message));
    await assert.rejects(new ChatEndpoint({ url: server.url, model: 'gpt-9', apiKey: 'sesame' }).check(), (e: unknown) =>
      e instanceof TunaInputError && /model "gpt-9" is not served .* teacher, other/.test(e.message));
    await new ChatEndpoint({ url: server.url, model: 'other', apiKey: 'sesame' }).check();
  } finally {
    await server.close();
  }
  const closed = await closedPort();
  await assert.rejects(new ChatEndpoint({ url: `http://127.0.0.1:${closed}/v1`, model: 'm', maxRetries: 0 }).check(), (e: unknown) =>
    e instanceof TunaInputError && /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1: ECONNREFUSED/.test(e.message));
});

test('JSON mode is asked for, and dropped for the rest of the run when the server rejects it', async () => {
  const server = await startScriptedEndpoint({ reply: (r) => (r.response_format ? { status: 400, message: 'unknown field response_format' } : '{"a":1}') });
  try {
    const endpoint = new ChatEndpoint({ url: server.url, model: 'teacher' });
    assert.equal((await endpoint.chat(ask, { json: true })).text, '{"a":1}');
    assert.equal((await endpoint.chat(ask, { json: true })).text, '{"a":1}');
    assert.deepEqual(server.requests.map((r) => Boolean(r.response_format)), [true, false, false]);
  } finally {
    await server.close();
  }
});

