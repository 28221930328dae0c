// Reads the JSON body of /v1/chat/completions and /v1/completions into checked parameters;
// every problem becomes a 400 naming the parameter, in the words OpenAI's API uses.
import { badRequest } from './api-error.js';
import type { ChatMessage } from './engine.js';

export interface SamplingParams {
  model: string;
  /** Unset: up to the end of the context. */
  maxTokens?: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop: string[];
  stream: boolean;
  /** stream_options.include_usage: a last chunk with the token counts. */
  includeUsage: boolean;
}

export type Body = Record<string, unknown>;

/** Parameters Tuna does not implement, with the value that means "not used". */
const UNSUPPORTED: [string, (value: unknown) => boolean, string][] = [
  ['n', (v) => v === 1, 'only n = 1 is supported'],
  ['best_of', (v) => v === 1, 'only best_of = 1 is supported'],
  ['echo', (v) => v === false, 'echo is not supported'],
  ['logprobs', (v) => v === false, 'logprobs are not supported'],
  ['top_logprobs', (v) => v === 0, 'top_logprobs are not supported'],
  ['suffix', (v) => v === '', 'suffix is not supported'],
  ['tools', (v) => Array.isArray(v) && v.length === 0, 'tools are not supported'],
  ['frequency_penalty', (v) => v === 0, 'frequency_penalty is not supported (only 0)'],
  ['presence_penalty', (v) => v === 0, 'presence_penalty is not supported (only 0)'],
];

export function parseBody(value: unknown): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('the request body must be a JSON object');
  return value as Body;
}

const isSet = (v: unknown) => v !== undefined && v !== null;

function number(body: Body, name: string, min: number, max: number, integer = false): number | undefined {
  const v = body[name];
  if (!isSet(v)) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw badRequest(`'${name}' must be ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(v)}`, name, 'invalid_type');
  }
  if (v < min || v > max) throw badRequest(`'${name}' must be between ${min} and ${max}, got ${v}`, name, 'invalid_value');
  return v;
}

function stopStrings(v: unknown): string[] {
  if (!isSet(v)) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw badRequest(`'stop' must be a string or an array of strings, got ${JSON.stringify(v)}`, 'stop', 'invalid_type');
}

export function parseSamplingParams(body: Body): SamplingParams {
  const model = body.model;
  if (!isSet(model)) throw badRequest("you must provide a model parameter", 'model', 'missing_required_parameter');
  if (typeof model !== 'string') throw badRequest(`'model' must be a string, got ${JSON.stringify(model)}`, 'model', 'invalid_type');
  for (const [name, unused, message] of UNSUPPORTED) {
    if (isSet(body[name]) && !unused(body[name])) throw badRequest(`${message}; got ${name} = ${JSON.stringify(body[name])}`, name, 'unsupported_value');
  }
  const maxName = isSet(body.max_completion_tokens) ? 'max_completion_tokens' : 'max_tokens';
  const streamOptions = body.stream_options;
  if (isSet(streamOptions) && (typeof streamOptions !== 'object' || Array.isArray(streamOptions))) {
    throw badRequest("'stream_options' must be an object", 'stream_options', 'invalid_type');
  }
  if (isSet(body.stream) && typeof body.stream !== 'boolean') throw badRequest("'stream' must be a boolean", 'stream', 'invalid_type');
  return {
    model,
    maxTokens: number(body, maxName, 1, Number.MAX_SAFE_INTEGER, true),
    temperature: number(body, 'temperature', 0, 2) ?? 1,
    topP: number(body, 'top_p', 0, 1) ?? 1,
    seed: number(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true),
    stop: stopStrings(body.stop),
    stream: body.stream === true,
    includeUsage: (streamOptions as { include_usage?: unknown } | undefined)?.include_usage === true,
  };
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** Chat messages as templates expect them: text content only; `developer` is the system turn. */
export function parseMessages(body: Body): ChatMessage[] {
  const messages = body.messages;
  if (!isSet(messages)) throw badRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages) || messages.length === 0) throw badRequest("'messages' must be a non-empty array", 'messages', 'invalid_value');
  return messages.map((m: unknown, i) => {
    const where = `messages[${i}]`;
    if (typeof m !== 'object' || m === null) throw badRequest(`${where} must be an object with role and content`, where, 'invalid_type');
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw badRequest(`${where}.role must be one of ${[...ROLES].join(', ')}; got ${JSON.stringify(role)}`, `${where}.role`, 'invalid_value');
    }
    return { role: role === 'developer' ? 'system' : role, content: messageText(content, `${where}.content`) };
  });
}

function messageText(content: unknown, where: string): string {
  if (!isSet(content)) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: unknown, i) => {
      const p = part as { type?: unknown; text?: unknown } | null;
      if (p?.type !== 'text' || typeof p.text !== 'string') {
        throw badRequest(`${where}[${i}]: only text parts are supported`, `${where}[${i}]`, 'invalid_value');
      }
      return p.text;
    }).join('');
  }
  throw badRequest(`${where} must be a string or an array of text parts`, where, 'invalid_type');
}

/** /v1/completions' prompt: one string, or one list of token ids. */
export function parsePrompt(body: Body, vocabSize: number): string | number[] {
  let prompt = body.prompt;
  if (!isSet(prompt)) throw badRequest("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
  // A batch of one is the same as its single prompt.
  if (Array.isArray(prompt) && prompt.length === 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0]))) prompt = prompt[0];
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt) && prompt.every((t) => Number.isInteger(t))) {
    const bad = (prompt as number[]).find((t) => t < 0 || t >= vocabSize);
    if (bad !== undefined) throw badRequest(`'prompt' holds token id ${bad}, outside the vocabulary (0..${vocabSize - 1})`, 'prompt', 'invalid_value');
    return prompt as number[];
  }
  if (Array.isArray(prompt) && prompt.length > 1) throw badRequest('only one prompt per request is supported', 'prompt', 'unsupported_value');
  throw badRequest("'prompt' must be a string or an array of token ids", 'prompt', 'invalid_type');
}
