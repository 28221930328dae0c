// POST /v1/chat/completions and /v1/completions: check the request, build the prompt tokens, wait
// for the engine's turn and answer whole or as a stream of chunks.
import type { ServerResponse } from 'node:http';
import { TunaInputError } from '../errors.js';
import { ApiError, asApiError, badRequest } from './api-error.js';
import type { Engine, GenerationRequest, GenerationResult } from './engine.js';
import { EventStream, sendJson } from './http-io.js';
import { chatCompletionShape, textCompletionShape, type ResponseShape } from './openai-objects.js';
import { parseMessages, parsePrompt, parseSamplingParams, type Body, type SamplingParams } from './request-params.js';

/** What the request log line reports. */
export interface RequestRecord {
  model?: string;
  promptTokens?: number;
  result?: GenerationResult;
  error?: string;
}

export interface HandlerContext {
  engine: Engine;
  res: ServerResponse;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  record: RequestRecord;
  /** Wraps a /v1/completions text prompt (`tuna serve --template`): the text and whether BOS is added. */
  wrapPrompt?: PromptWrapper | undefined;
}

export type PromptWrapper = (prompt: string) => { text: string; addSpecialTokens: boolean };

export async function handleChatCompletions(body: Body, ctx: HandlerContext): Promise<void> {
  const params = parseSamplingParams(body);
  checkModel(ctx.engine, params.model);
  const messages = parseMessages(body);
  if (!ctx.engine.hasChatTemplate) {
    throw badRequest(`model "${params.model}" has no chat template; send a raw prompt to /v1/completions instead`, 'messages');
  }
  const text = inputError(() => ctx.engine.applyChatTemplate(messages), 'messages');
  // The template writes its own special tokens (BOS included).
  const tokens = inputError(() => ctx.engine.tokenize(text, { addSpecialTokens: false }), 'messages');
  await respond(ctx, params, tokens, 'messages', chatCompletionShape(params.model, params.includeUsage));
}

export async function handleCompletions(body: Body, ctx: HandlerContext): Promise<void> {
  const params = parseSamplingParams(body);
  checkModel(ctx.engine, params.model);
  const prompt = parsePrompt(body, ctx.engine.vocabSize);
  // Token ids are sent as they are; text is wrapped in the served template when there is one.
  const tokens = typeof prompt === 'string'
    ? inputError(() => {
      const wrapped = ctx.wrapPrompt?.(prompt) ?? { text: prompt, addSpecialTokens: true };
      return ctx.engine.tokenize(wrapped.text, { addSpecialTokens: wrapped.addSpecialTokens });
    }, 'prompt')
    : prompt;
  await respond(ctx, params, tokens, 'prompt', textCompletionShape(params.model, params.includeUsage));
}

function checkModel(engine: Engine, model: string): void {
  const served = engine.listModels().map((m) => m.id);
  if (!served.includes(model)) {
    throw badRequest(`The model \`${model}\` does not exist; this server has ${served.map((id) => `\`${id}\``).join(', ')}`, 'model', 'model_not_found');
  }
}

/** Runs `f`, turning bad input (a template that rejects the conversation) into a 400 on `param`. */
function inputError<T>(f: () => T, param: string): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof TunaInputError) throw badRequest(error.message, param);
    throw error;
  }
}

async function respond(ctx: HandlerContext, params: SamplingParams, promptTokens: number[], promptParam: string, shape: ResponseShape): Promise<void> {
  const { engine, res, signal, record } = ctx;
  if (promptTokens.length === 0) throw badRequest(`'${promptParam}' is empty: it gives no tokens`, promptParam, 'invalid_value');
  const room = engine.contextLength - promptTokens.length;
  const maxTokens = params.maxTokens ?? Math.max(room, 1);
  if (maxTokens > room) {
    throw badRequest(
      `This model's maximum context length is ${engine.contextLength} tokens. However, you requested ${promptTokens.length + maxTokens} tokens ` +
        `(${promptTokens.length} in the ${promptParam}, ${maxTokens} in the completion). Please reduce the length of the ${promptParam} or completion.`,
      promptParam,
      'context_length_exceeded',
    );
  }
  record.model = params.model;
  record.promptTokens = promptTokens.length;
  const request: GenerationRequest = {
    model: params.model, promptTokens, maxTokens, temperature: params.temperature, topP: params.topP, seed: params.seed, stop: params.stop, signal,
  };
  if (!params.stream) {
    record.result = await engine.generate(request);
    sendJson(res, 200, shape.complete(record.result));
    return;
  }
  // Headers go out at once, so a queued client knows it was accepted.
  const stream = new EventStream(res);
  for (const chunk of shape.opening()) stream.send(chunk);
  try {
    record.result = await engine.generate({ ...request, onText: (text) => stream.send(shape.text(text)) });
    stream.send(shape.finish(record.result.finishReason));
    if (params.includeUsage) stream.send(shape.usage(record.result));
    stream.end();
  } catch (error) {
    if (signal.aborted) throw error;
    const apiError: ApiError = asApiError(error);
    record.error = apiError.message;
    stream.end(apiError);
  }
}
