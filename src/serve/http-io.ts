// Reading JSON requests and writing JSON or server-sent events with node:http. Every write checks
// that the client is still there, so a dropped connection never throws.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from './api-error.js';

/** Larger bodies get 413 (a long chat is a few hundred kilobytes). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, `the request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`We could not parse the JSON body of your request: ${(error as Error).message}`);
  }
}

const open = (res: ServerResponse) => !res.destroyed && !res.writableEnded;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (!open(res)) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, error.body(), headers);
}

/** A text/event-stream response: `data: {json}` events ending with `data: [DONE]`. */
export class EventStream {
  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.flushHeaders();
  }

  send(data: unknown): void {
    if (open(this.res)) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream; an error is sent as an event the OpenAI clients raise. */
  end(error?: ApiError): void {
    if (error) this.send(error.body());
    if (open(this.res)) this.res.end('data: [DONE]\n\n');
  }
}
