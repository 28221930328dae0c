// An OpenAI-compatible endpoint on 127.0.0.1 whose chat replies come from a script: tests decide
// every answer (text, status, a dropped connection) and read back every request.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';

export interface ScriptedRequest {
  model: string;
  messages: { role: string; content: string }[];
  [key: string]: unknown;
}

/** One reply: text (a 200 chat completion), an HTTP error, or 'drop' (the connection is destroyed). */
export type ScriptedReply = string | { status: number; message?: string; headers?: Record<string, string> } | 'drop';

export interface ScriptedEndpointOptions {
  models?: string[];
  /** When set, requests need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Decides the reply to the n-th chat request (0-based). */
  reply: (request: ScriptedRequest, n: number) => ScriptedReply | Promise<ScriptedReply>;
}

export interface ScriptedEndpoint {
  url: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

export async function startScriptedEndpoint(options: ScriptedEndpointOptions): Promise<ScriptedEndpoint> {
  const requests: ScriptedRequest[] = [];
  const models = options.models ?? ['teacher'];
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return send(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    if (req.method === 'GET' && req.url === '/v1/models') {
      return send(200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'test' })) });
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return send(404, { error: { message: `no route ${req.url}` } });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ScriptedRequest;
    const n = requests.length;
    requests.push(body);
    const reply = await options.reply(body, n);
    if (reply === 'drop') return void req.socket.destroy();
    if (typeof reply !== 'string') return send(reply.status, { error: { message: reply.message ?? `status ${reply.status}` } }, reply.headers);
    send(200, {
      id: `chatcmpl-${n}`, object: 'chat.completion', created: 0, model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
      usage: { prompt_tokens: JSON.stringify(body.messages).length, completion_tokens: reply.length, total_tokens: JSON.stringify(body.messages).length + reply.length },
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago): for "cannot reach" tests. */
export async function closedPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
