// A client for any OpenAI-compatible chat endpoint (a hosted API, vLLM, Ollama, llama.cpp's server
// or `tuna serve`), on the official `openai` SDK: it retries 408/409/429/5xx and dropped connections
// with exponential backoff (honouring Retry-After), and its errors are mapped here onto messages
// that say what to fix. `synth` asks it for training pairs, `eval --prompt-baseline` for answers.
import OpenAI from 'openai';
import { TunaInputError } from '../errors.js';

export interface EndpointMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface EndpointOptions {
  /** Base URL; `/v1` is added when the URL has no path (http://localhost:8000 → http://localhost:8000/v1). */
  url: string;
  model: string;
  apiKey?: string;
  /** Retries of one request before it fails (default 5). */
  maxRetries?: number;
  /** Per-request timeout in milliseconds (default 120 s). */
  timeoutMs?: number;
  /** How the command names the model and key options in its errors (default --model, --api-key-env). */
  flags?: { model: string; apiKeyEnv: string };
  /** Told about every attempt that failed in a way the SDK retries (the HTTP status, or 'connection'). */
  onFailedAttempt?: (reason: string) => void;
}

export interface ChatRequest {
  temperature?: number;
  maxTokens?: number;
  /** Ask for a JSON object reply where the endpoint supports it (falls back to plain text if refused). */
  json?: boolean;
  seed?: number;
  signal?: AbortSignal;
}

export interface ChatReply {
  text: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: string | null;
}

/** The endpoint failed for a reason retrying does not fix (after the retries were spent). */
export class EndpointError extends Error {
  override name = 'EndpointError';
  constructor(message: string, readonly status: number | null) {
    super(message);
  }
}

export function endpointBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TunaInputError(`endpoint "${url}" is not a URL: pass one like http://localhost:8000/v1`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TunaInputError(`endpoint "${url}": only http:// and https:// URLs are supported`);
  const path = parsed.pathname.replace(/\/+$/, '');
  return `${parsed.origin}${path === '' ? '/v1' : path}`;
}

export class ChatEndpoint {
  readonly baseUrl: string;
  readonly model: string;
  private readonly client: OpenAI;
  private jsonMode = true;
  private readonly flags: { model: string; apiKeyEnv: string };

  constructor(private readonly options: EndpointOptions) {
    this.baseUrl = endpointBaseUrl(options.url);
    this.model = options.model;
    this.flags = options.flags ?? { model: '--model', apiKeyEnv: '--api-key-env' };
    this.client = new OpenAI({
      baseURL: this.baseUrl,
      // Local servers take any key; the SDK insists on a string.
      apiKey: options.apiKey ?? 'none',
      maxRetries: options.maxRetries ?? 5,
      timeout: options.timeoutMs ?? 120_000,
      fetch: options.onFailedAttempt ? reportingFetch(options.onFailedAttempt) : undefined,
    });
  }

  /**
   * Fails fast, with a TunaInputError, on what retrying cannot fix: nothing listening, a wrong key,
   * a model the endpoint does not serve. Endpoints without GET /models are let through.
   */
  async check(signal?: AbortSignal): Promise<void> {
    let ids: string[];
    try {
      const page = await this.client.models.list({ signal, maxRetries: 1 });
      ids = page.data.map((m) => m.id);
    } catch (error) {
      if (error instanceof OpenAI.NotFoundError) return;
      throw this.explain(error);
    }
    if (ids.length > 0 && !ids.includes(this.model)) {
      throw new TunaInputError(`model "${this.model}" is not served by ${this.baseUrl}; it serves: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''}. Pass one of them with ${this.flags.model}`);
    }
  }

  async chat(messages: EndpointMessage[], request: ChatRequest = {}): Promise<ChatReply> {
    const body = {
      model: this.model,
      messages,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
    };
    let completion;
    try {
      const wantJson = request.json && this.jsonMode;
      try {
        completion = await this.client.chat.completions.create(
          wantJson ? { ...body, response_format: { type: 'json_object' } } : body, { signal: request.signal });
      } catch (error) {
        // Servers that do not know response_format reject it with 400/422: ask again without it.
        if (!wantJson || !(error instanceof OpenAI.BadRequestError || error instanceof OpenAI.UnprocessableEntityError)) throw error;
        this.jsonMode = false;
        completion = await this.client.chat.completions.create(body, { signal: request.signal });
      }
    } catch (error) {
      throw this.explain(error);
    }
    const choice = completion.choices?.[0];
    return {
      text: typeof choice?.message?.content === 'string' ? choice.message.content : '',
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
      finishReason: choice?.finish_reason ?? null,
    };
  }

  /** What went wrong, in the user's terms: input errors (exit 2) for what they must fix. */
  private explain(error: unknown): Error {
    if (error instanceof OpenAI.APIUserAbortError) return error;
    const where = `${this.baseUrl}`;
    if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
      return new TunaInputError(`${where} refused the API key (HTTP ${error.status}): set the right key in the variable named by ${this.flags.apiKeyEnv}`);
    }
    if (error instanceof OpenAI.NotFoundError) {
      return new TunaInputError(`${where} answered 404 for model "${this.model}": ${error.message}. Check ${this.flags.model} and the endpoint URL (it usually ends in /v1)`);
    }
    if (error instanceof OpenAI.APIConnectionTimeoutError) return new EndpointError(`${where} did not answer within ${(this.options.timeoutMs ?? 120_000) / 1000} s`, null);
    if (error instanceof OpenAI.APIConnectionError) {
      return new TunaInputError(`cannot reach ${where}: ${describeCause(error)}. Is the server running, and is the URL right?`);
    }
    if (error instanceof OpenAI.APIError) return new EndpointError(`${where} failed (HTTP ${error.status ?? '?'}): ${error.message}`, error.status ?? null);
    return error instanceof Error ? error : new Error(String(error));
  }
}

function describeCause(error: Error): string {
  let cause: unknown = error.cause;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  const code = (cause as { code?: string } | undefined)?.code;
  return code ?? (cause instanceof Error ? cause.message : error.message);
}

/** fetch that reports each attempt the SDK would retry: a 408/429/5xx answer or a dropped connection. */
function reportingFetch(onRetry: (reason: string) => void): typeof fetch {
  return async (input, init) => {
    try {
      const response = await fetch(input, init);
      if (response.status === 429 || response.status >= 500 || response.status === 408) onRetry(String(response.status));
      return response;
    } catch (error) {
      if (!(init?.signal?.aborted)) onRetry('connection');
      throw error;
    }
  };
}
