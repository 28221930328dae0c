/**
 * Downloads the files a model needs from the Hub (via @huggingface/hub) into the
 * Python-compatible cache: blobs named by etag, snapshot symlinks, refs/<revision>.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { downloadFile, listFiles, modelInfo } from '@huggingface/hub';
import type { ListFileEntry } from '@huggingface/hub';
import { TunaInputError } from '../errors.js';
import { exists, repoCacheFolder } from './hub-cache.js';
import { SINGLE_WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './model-weights.js';

export interface DownloadProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface SnapshotDownload {
  repoId: string;
  revision: string;
  cacheDir: string;
  endpoint: string;
  token?: string | undefined;
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
}

/** Everything but weights that loading, tokenizing and chatting read. Never code or pickles. */
export const MODEL_METADATA_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  WEIGHTS_INDEX_FILE,
];

/** A shard in the repository's top folder: no separators, no leading dot. */
const SHARD_FILE = /^[\w-][\w.-]*\.safetensors$/;

interface HubAccess {
  hubUrl: string;
  fetch: typeof fetch;
}

/** Returns the snapshot folder once config.json and all safetensors weights are in the cache. */
export async function downloadModelSnapshot(request: SnapshotDownload): Promise<string> {
  const { repoId, revision, cacheDir } = request;
  const hub: HubAccess = { hubUrl: request.endpoint, fetch: hubFetch(request.endpoint, request.token) };
  const repo = { type: 'model' as const, name: repoId };
  const { sha } = await modelInfo({ name: repoId, revision, additionalFields: ['sha'], ...hub });
  const listed = new Map<string, ListFileEntry>();
  for await (const entry of listFiles({ repo, revision: sha, ...hub })) {
    if (entry.type === 'file') listed.set(entry.path, entry);
  }
  if (!listed.has('config.json')) {
    throw new TunaInputError(`${repoId} on ${request.endpoint} has no config.json; it is not a transformers model`);
  }

  const repoFolder = repoCacheFolder(cacheDir, repoId);
  const snapshot = join(repoFolder, 'snapshots', sha);
  const fetchFile = async (path: string) => {
    const entry = listed.get(path);
    if (!entry) {
      throw new TunaInputError(`${repoId}: ${WEIGHTS_INDEX_FILE} names ${path}, which the repository does not have`);
    }
    await fetchIntoCache({ repo, sha, entry, repoFolder, snapshot, hub, onProgress: request.onProgress });
  };
  for (const path of MODEL_METADATA_FILES) if (listed.has(path)) await fetchFile(path);
  for (const path of await weightFiles(repoId, snapshot, listed)) await fetchFile(path);

  if (revision !== sha) {
    await mkdir(join(repoFolder, 'refs'), { recursive: true });
    await writeFile(join(repoFolder, 'refs', revision), sha);
  }
  return snapshot;
}

/** Like transformers: model.safetensors if present, else the shards the (downloaded) index names. */
async function weightFiles(repoId: string, snapshot: string, listed: Map<string, ListFileEntry>): Promise<string[]> {
  if (listed.has(SINGLE_WEIGHTS_FILE)) return [SINGLE_WEIGHTS_FILE];
  if (listed.has(WEIGHTS_INDEX_FILE)) {
    const indexText = await readFile(join(snapshot, WEIGHTS_INDEX_FILE), 'utf8');
    const index = JSON.parse(indexText) as { weight_map?: Record<string, unknown> };
    const shards = [...new Set(Object.values(index.weight_map ?? {}))].sort();
    const bad = shards.find((shard) => typeof shard !== 'string' || !SHARD_FILE.test(shard));
    if (bad !== undefined || shards.length === 0) {
      throw new TunaInputError(`${repoId}: ${WEIGHTS_INDEX_FILE} names no shards or a shard outside the model folder (${JSON.stringify(bad)})`);
    }
    return shards as string[];
  }
  const others = [...listed.keys()].filter((path) => /\.(bin|pt|pth|pkl|ckpt|gguf)$/.test(path));
  throw new TunaInputError(
    `${repoId} has no ${SINGLE_WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE}` +
      (others.length ? ` (only ${others.join(', ')}, which Tuna does not load)` : '') +
      '; choose a model published with safetensors weights',
  );
}

interface FetchRequest {
  repo: { type: 'model'; name: string };
  sha: string;
  entry: ListFileEntry;
  repoFolder: string;
  snapshot: string;
  hub: HubAccess;
  onProgress: ((progress: DownloadProgress) => void) | undefined;
}

async function fetchIntoCache(request: FetchRequest): Promise<void> {
  const { entry, snapshot, repoFolder } = request;
  // Python names blobs by the file's etag: the LFS sha256, else the git blob id.
  const etag = entry.lfs?.oid ?? entry.oid;
  if (!etag || !/^[0-9a-f]+$/.test(etag)) throw new Error(`the Hub listed ${entry.path} without a usable object id`);
  const blob = join(repoFolder, 'blobs', etag);
  const pointer = join(snapshot, entry.path);
  const report = (bytesDone: number) => request.onProgress?.({ file: entry.path, bytesDone, bytesTotal: entry.size });
  if (await exists(pointer)) return report(entry.size);
  await mkdir(dirname(blob), { recursive: true });
  await mkdir(dirname(pointer), { recursive: true });
  if (!(await exists(blob))) await downloadBlob(request, etag, blob, report);
  else report(entry.size);
  await linkIntoSnapshot(blob, pointer);
}

async function downloadBlob(request: FetchRequest, etag: string, blob: string, report: (done: number) => void) {
  const { entry, repo, sha, hub } = request;
  const data = await downloadFile({ repo, path: entry.path, revision: sha, ...hub });
  if (!data) throw new Error(`the Hub listed ${entry.path} but serves no such file`);
  const hash = etag.length === 64 ? createHash('sha256') : createHash('sha1').update(`blob ${entry.size}\0`);
  let done = 0;
  report(0);
  const incomplete = `${blob}.incomplete`;
  await pipeline(
    Readable.fromWeb(data.stream() as NodeReadableStream<Uint8Array>),
    async function* count(chunks: AsyncIterable<Uint8Array>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        done += chunk.length;
        report(done);
        yield chunk;
      }
    },
    createWriteStream(incomplete),
  );
  const digest = hash.digest('hex');
  if (done !== entry.size || digest !== etag) {
    await rm(incomplete, { force: true });
    throw new Error(`${entry.path} arrived damaged (${done} of ${entry.size} bytes, checksum ${digest}, expected ${etag})`);
  }
  await rename(incomplete, blob);
}

/** Relative links like huggingface_hub makes, so the cache can move; a copy where links are refused. */
async function linkIntoSnapshot(blob: string, pointer: string): Promise<void> {
  await rm(pointer, { force: true });
  try {
    await symlink(relative(dirname(pointer), blob), pointer);
  } catch {
    await copyFile(blob, pointer);
  }
}

/** Sends the token only to the Hub itself, never to the CDN it redirects to. */
function hubFetch(endpoint: string, token: string | undefined): typeof fetch {
  const hubOrigin = new URL(endpoint).origin;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (token && url.origin === hubOrigin) headers.set('Authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
}
