// Response objects of OpenAI's API: chat.completion and its chunks, text_completion, the model list.
import { randomBytes } from 'node:crypto';
import type { GenerationResult, ServedModel } from './engine.js';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export const usageOf = (r: Pick<GenerationResult, 'promptTokens' | 'completionTokens'>): Usage => ({
  prompt_tokens: r.promptTokens,
  completion_tokens: r.completionTokens,
  total_tokens: r.promptTokens + r.completionTokens,
});

/** How one endpoint words its answer, whole or as stream chunks; every chunk shares the id and time. */
export interface ResponseShape {
  complete(result: GenerationResult): object;
  /** Chunks sent before any text (the chat role). */
  opening(): object[];
  text(text: string): object;
  finish(reason: GenerationResult['finishReason']): object;
  /** The last chunk with stream_options.include_usage: no choices, the token counts. */
  usage(result: GenerationResult): object;
}

const newId = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

export function chatCompletionShape(model: string, withUsage: boolean): ResponseShape {
  const head = { id: newId('chatcmpl'), created: now(), model };
  const chunk = (choices: object[]) => ({ ...head, object: 'chat.completion.chunk', choices, ...(withUsage ? { usage: null } : {}) });
  const choice = (delta: object, finish: string | null) => ({ index: 0, delta, logprobs: null, finish_reason: finish });
  return {
    complete: (r) => ({
      ...head,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: r.text, refusal: null }, logprobs: null, finish_reason: r.finishReason }],
      usage: usageOf(r),
    }),
    opening: () => [chunk([choice({ role: 'assistant', content: '' }, null)])],
    text: (text) => chunk([choice({ content: text }, null)]),
    finish: (reason) => chunk([choice({}, reason)]),
    usage: (r) => ({ ...chunk([]), usage: usageOf(r) }),
  };
}

export function textCompletionShape(model: string, withUsage: boolean): ResponseShape {
  const head = { id: newId('cmpl'), object: 'text_completion', created: now(), model };
  const chunk = (choices: object[]) => ({ ...head, choices, ...(withUsage ? { usage: null } : {}) });
  const choice = (text: string, finish: string | null) => ({ text, index: 0, logprobs: null, finish_reason: finish });
  return {
    complete: (r) => ({ ...head, choices: [choice(r.text, r.finishReason)], usage: usageOf(r) }),
    opening: () => [],
    text: (text) => chunk([choice(text, null)]),
    finish: (reason) => chunk([choice('', reason)]),
    usage: (r) => ({ ...chunk([]), usage: usageOf(r) }),
  };
}

export function modelObject(m: ServedModel): object {
  return { id: m.id, object: 'model', created: m.created, owned_by: m.ownedBy, ...(m.parent ? { parent: m.parent } : {}) };
}

export const modelList = (models: ServedModel[]) => ({ object: 'list', data: models.map(modelObject) });
