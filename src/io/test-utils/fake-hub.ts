/**
 * A Hugging Face Hub stand-in on 127.0.0.1 serving the URLs @huggingface/hub and
 * huggingface_hub request: revision info, file tree, and resolve/<rev>/<file> with ranges.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepo {
  files: Record<string, Uint8Array | string>;
  /** Requests without `Authorization: Bearer <token>` get 401. */
  token?: string;
  /** Serve these files with their last byte flipped, as a broken transfer would. */
  corrupt?: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

export interface FakeHub {
  endpoint: string;
  requests: RecordedRequest[];
  /** The commit sha each repo's `main` resolves to. */
  commitOf(repoId: string): string;
  close(): Promise<void>;
}

/** Files the Hub stores with Git LFS (by .gitattributes): their etag is the sha256. */
const isLfs = (path: string) => /\.(safetensors|bin|pt)$/.test(path);

const gitBlobId = (bytes: Uint8Array) =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export async function startFakeHub(repos: Record<string, FakeRepo>): Promise<FakeHub> {
  const requests: RecordedRequest[] = [];
  const commitOf = (repoId: string) => createHash('sha1').update(`commit ${repoId}`).digest('hex');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({ method: req.method ?? 'GET', path: url.pathname, authorization: req.headers.authorization });
    try {
      route(req, res, decodeURIComponent(url.pathname), repos, commitOf);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    commitOf,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

function route(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  repos: Record<string, FakeRepo>,
  commitOf: (repoId: string) => string,
): void {
  const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)$/.exec(path);
  const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
  const repoId = api?.[1] ?? resolve?.[1];
  const repo = repoId === undefined ? undefined : repos[repoId];
  if (!repoId || !repo) return sendJson(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
  if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
    return sendJson(res, 401, { error: 'Access to this model is restricted' }, { 'X-Error-Code': 'GatedRepo' });
  }
  const sha = commitOf(repoId);
  const revision = api?.[3] ?? resolve?.[2];
  if (revision !== 'main' && revision !== sha) {
    return sendJson(res, 404, { error: 'Revision not found' }, { 'X-Error-Code': 'RevisionNotFound' });
  }
  const files = Object.entries(repo.files).map(([name, content]) => [name, toBytes(content)] as const);

  if (api?.[2] === 'revision') {
    const siblings = files.map(([rfilename]) => ({ rfilename }));
    return sendJson(res, 200, { _id: `id-${repoId}`, id: repoId, sha, private: !!repo.token, siblings });
  }
  if (api?.[2] === 'tree') {
    const entries = files.map(([name, bytes]) => ({
      type: 'file',
      path: name,
      size: bytes.length,
      oid: gitBlobId(isLfs(name) ? lfsPointer(bytes) : bytes),
      ...(isLfs(name) && { lfs: { oid: sha256(bytes), size: bytes.length, pointerSize: 130 } }),
    }));
    return sendJson(res, 200, entries);
  }
  const file = files.find(([name]) => name === resolve![3]);
  if (!file) return sendJson(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
  sendFile(req, res, file[0], file[1], sha, repo.corrupt?.includes(file[0]) ?? false);
}

/** What git stores for an LFS file; the tree's `oid` is this pointer's blob id. */
function lfsPointer(bytes: Uint8Array): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(bytes)}\nsize ${bytes.length}\n`);
}

function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  bytes: Uint8Array,
  sha: string,
  corrupt: boolean,
) {
  const etag = isLfs(name) ? sha256(bytes) : gitBlobId(bytes);
  let body = Buffer.from(bytes);
  if (corrupt) body[body.length - 1] ^= 0xff;
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ETag: `"${etag}"`,
    'X-Repo-Commit': sha,
    ...(isLfs(name) && { 'X-Linked-Etag': `"${etag}"`, 'X-Linked-Size': String(bytes.length) }),
  };
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    const end = Math.min(Number(range[2]), body.length - 1);
    headers['Content-Range'] = `bytes ${start}-${end}/${body.length}`;
    body = body.subarray(start, end + 1);
    res.writeHead(206, { ...headers, 'Content-Length': String(body.length) });
  } else {
    res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
  }
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(value));
}

function toBytes(content: Uint8Array | string): Uint8Array {
  return typeof content === 'string' ? Buffer.from(content) : content;
}
