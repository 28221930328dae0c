import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from './api-error.js';
import { parseMessages, parsePrompt, parseSamplingParams } from './request-params.js';

/** Asserts a 400 naming `param`. */
function rejects(f: () => unknown, param: string, message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 400);
    assert.equal(e.param, param);
    assert.match(e.message, message);
    return true;
  });
}

test('sampling parameters take OpenAI defaults and accept max_completion_tokens', () => {
  assert.deepEqual(parseSamplingParams({ model: 'm' }), {
    model: 'm', maxTokens: undefined, temperature: 1, topP: 1, seed: undefined, stop: [], stream: false, includeUsage: false,
  });
  const p = parseSamplingParams({
    model: 'm', max_completion_tokens: 5, temperature: 0, top_p: 0.5, seed: 3, stop: 'x', stream: true, stream_options: { include_usage: true }, n: 1,
  });
  assert.deepEqual(p, { model: 'm', maxTokens: 5, temperature: 0, topP: 0.5, seed: 3, stop: ['x'], stream: true, includeUsage: true });
  assert.deepEqual(parseSamplingParams({ model: 'm', max_tokens: 2, stop: ['a', 'b'], n: null, logprobs: false }).stop, ['a', 'b']);
});

test('bad sampling parameters are 400s naming the parameter', () => {
  rejects(() => parseSamplingParams({}), 'model', /must provide a model/);
  rejects(() => parseSamplingParams({ model: 3 }), 'model', /must be a string/);
  rejects(() => parseSamplingParams({ model: 'm', n: 2 }), 'n', /only n = 1/);
  rejects(() => parseSamplingParams({ model: 'm', max_tokens: 0 }), 'max_tokens', /between 1 and/);
  rejects(() => parseSamplingParams({ model: 'm', max_tokens: 1.5 }), 'max_tokens', /integer/);
  rejects(() => parseSamplingParams({ model: 'm', temperature: 3 }), 'temperature', /between 0 and 2/);
  rejects(() => parseSamplingParams({ model: 'm', top_p: '1' }), 'top_p', /must be a number/);
  rejects(() => parseSamplingParams({ model: 'm', stop: [1] }), 'stop', /string or an array of strings/);
  rejects(() => parseSamplingParams({ model: 'm', stream: 'yes' }), 'stream', /boolean/);
  rejects(() => parseSamplingParams({ model: 'm', logprobs: true }), 'logprobs', /not supported/);
});

test('messages: text parts are joined, developer is the system turn, bad shapes name the message', () => {
  assert.deepEqual(parseMessages({ messages: [{ role: 'developer', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] }), [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'ab' },
  ]);
  rejects(() => parseMessages({}), 'messages', /Missing required parameter: 'messages'/);
  rejects(() => parseMessages({ messages: [] }), 'messages', /non-empty array/);
  rejects(() => parseMessages({ messages: [{ role: 'robot', content: 'x' }] }), 'messages[0].role', /one of system/);
  rejects(() => parseMessages({ messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }), 'messages[0].content[0]', /only text parts/);
});

test('prompts: a string, token ids, or a batch of one', () => {
  assert.equal(parsePrompt({ prompt: 'hi' }, 10), 'hi');
  assert.equal(parsePrompt({ prompt: ['hi'] }, 10), 'hi');
  assert.deepEqual(parsePrompt({ prompt: [1, 2] }, 10), [1, 2]);
  assert.deepEqual(parsePrompt({ prompt: [[3]] }, 10), [3]);
  rejects(() => parsePrompt({}, 10), 'prompt', /Missing required parameter: 'prompt'/);
  rejects(() => parsePrompt({ prompt: ['a', 'b'] }, 10), 'prompt', /only one prompt/);
  rejects(() => parsePrompt({ prompt: [1, 10] }, 10), 'prompt', /token id 10, outside the vocabulary/);
  rejects(() => parsePrompt({ prompt: { text: 'x' } }, 10), 'prompt', /string or an array of token ids/);
});
