// The OpenAI-compatible HTTP server on node:http: routes, the API key, one log line per request.
// A client that goes away aborts its request (queued or generating); nothing it does can crash the server.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, asApiError } from './api-error.js';
import { handleChatCompletions, handleCompletions, type HandlerContext, type PromptWrapper, type RequestRecord } from './completion-handlers.js';
import type { Engine } from './engine.js';
import { readJson, sendError, sendJson } from './http-io.js';
import { modelList, modelObject } from './openai-objects.js';
import { parseBody } from './request-params.js';

export interface ServerOptions {
  /** When set, every request needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Receives one line per finished request (default: stderr). */
  log?: (line: string) => void;
  /** Wraps every /v1/completions text prompt (`--template`). */
  wrapPrompt?: PromptWrapper;
}

type Handler = (req: IncomingMessage, ctx: HandlerContext, rest: string) => Promise<void>;

const postJson = (handle: (body: ReturnType<typeof parseBody>, ctx: HandlerContext) => Promise<void>): Handler =>
  async (req, ctx) => handle(parseBody(await readJson(req)), ctx);

/** Routes by path prefix; `rest` is what follows a prefix ending in `/` (model ids may hold slashes). */
const ROUTES: { path: string; methods: Record<string, Handler> }[] = [
  { path: '/v1/models', methods: { GET: async (_req, ctx) => sendJson(ctx.res, 200, modelList(ctx.engine.listModels())) } },
  { path: '/v1/models/', methods: { GET: async (_req, ctx, id) => retrieveModel(ctx, id) } },
  { path: '/v1/chat/completions', methods: { POST: postJson(handleChatCompletions) } },
  { path: '/v1/completions', methods: { POST: postJson(handleCompletions) } },
];

function retrieveModel(ctx: HandlerContext, id: string): void {
  const model = ctx.engine.listModels().find((m) => m.id === id);
  if (!model) throw new ApiError(404, `The model \`${id}\` does not exist`, 'invalid_request_error', 'model', 'model_not_found');
  sendJson(ctx.res, 200, modelObject(model));
}

function findRoute(path: string): { methods: Record<string, Handler>; rest: string } | undefined {
  for (const route of ROUTES) {
    if (route.path.endsWith('/') ? path.startsWith(route.path) && path.length > route.path.length : path === route.path) {
      const rest = path.slice(route.path.length);
      return { methods: route.methods, rest: decoded(rest) };
    }
  }
  return undefined;
}

function pathOf(url: string): string {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return url;
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function authorized(req: IncomingMessage, apiKey: string | undefined): boolean {
  if (apiKey === undefined) return true;
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!.trim()), digest(apiKey));
}

export function createApiServer(engine: Engine, options: ServerOptions = {}): Server {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => log(`internal error: ${(error as Error).stack ?? String(error)}`));
  });
  // Malformed HTTP (not even a request line) gets a bare 400; the socket may already be gone.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const path = pathOf(req.url ?? '/');
    const record: RequestRecord = {};
    const controller = new AbortController();
    res.on('error', () => controller.abort());
    res.on('close', () => {
      const dropped = !res.writableFinished;
      if (dropped) controller.abort();
      log(logLine(req.method ?? '?', path, dropped ? 'dropped' : String(res.statusCode), record, performance.now() - started));
    });
    try {
      if (!authorized(req, options.apiKey)) {
        throw new ApiError(401, 'Incorrect API key provided. Send it as "Authorization: Bearer <key>".', 'invalid_request_error', null, 'invalid_api_key');
      }
      const route = findRoute(path);
      if (!route) throw new ApiError(404, `Invalid URL (${req.method} ${path})`, 'invalid_request_error', null, 'unknown_url');
      const handler = route.methods[req.method ?? ''];
      if (!handler) {
        const allow = Object.keys(route.methods).join(', ');
        record.error = `method ${req.method} not allowed`;
        const message = `Method ${req.method} is not allowed on ${path}; use ${allow}`;
        sendError(res, new ApiError(405, message, 'invalid_request_error', null, 'method_not_allowed'), { Allow: allow });
        return;
      }
      await handler(req, { engine, res, signal: controller.signal, record, wrapPrompt: options.wrapPrompt }, route.rest);
    } catch (error) {
      if (controller.signal.aborted) return;
      const apiError = asApiError(error);
      record.error = apiError.message;
      if (apiError.status >= 500) log(`internal error on ${req.method} ${path}: ${(error as Error).stack ?? String(error)}`);
      if (res.headersSent) res.destroy();
      else sendError(res, apiError);
    }
  }
  return server;
}

function logLine(method: string, path: string, status: string, record: RequestRecord, ms: number): string {
  const parts = [new Date().toISOString(), method, path, status];
  if (record.model !== undefined) parts.push(`model=${record.model}`);
  if (record.result) parts.push(`tokens=${record.result.promptTokens}+${record.result.completionTokens}`, `finish=${record.result.finishReason}`);
  else if (record.promptTokens !== undefined) parts.push(`prompt_tokens=${record.promptTokens}`);
  parts.push(`${Math.round(ms)}ms`);
  if (record.error) parts.push(`error: ${record.error}`);
  return parts.join(' ');
}

export interface RunningServer {
  server: Server;
  /** http://host:port, with the port the system chose when given 0. */
  url: string;
  /** Stops listening, drops open connections (aborting their generations) and waits for the server to close. */
  close(): Promise<void>;
}

export async function startServer(engine: Engine, options: ServerOptions & { host?: string; port?: number } = {}): Promise<RunningServer> {
  const server = createApiServer(engine, options);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
