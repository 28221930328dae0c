/**
 * Turns `--model` into a local folder: a path on disk as is, or a Hub id
 * (`org/name`) from the shared cache, downloading what is missing.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HubApiError } from '@huggingface/hub';
import { TunaInputError } from '../errors.js';
import { findCachedSnapshot, hubCacheDir, hubEndpoint, hubToken, isHubOffline } from './hub-cache.js';
import { downloadModelSnapshot } from './hub-download.js';
import type { DownloadProgress } from './hub-download.js';

export type { DownloadProgress } from './hub-download.js';
export { hubCacheDir } from './hub-cache.js';

export interface ResolveModelOptions {
  /** Never touch the network; defaults to HF_HUB_OFFLINE. */
  offline?: boolean;
  /** Branch, tag or commit; `main` by default. */
  revision?: string;
  onProgress?: (progress: DownloadProgress) => void;
}

/** huggingface_hub's repo id rule: optional `org/`, then a name of word characters, `-` and `.`. */
const REPO_ID = /^(?:[\w.-]{1,96}\/)?[\w.-]{1,96}$/;

const WHAT_TO_DO =
  'Pass --model ./path to use a model folder on disk, set HF_ENDPOINT to a Hub mirror you can reach, ' +
  'or unset HF_HUB_OFFLINE to allow downloads.';

/** A model already in the cache is used as it is, without asking the Hub for a newer commit. */
export async function resolveModel(idOrPath: string, options: ResolveModelOptions = {}): Promise<string> {
  const local = await localModelFolder(idOrPath);
  if (local) return local;
  if (!isRepoId(idOrPath)) {
    throw new TunaInputError(`model folder ${idOrPath} does not exist; pass a folder with config.json, or a Hub id like org/name`);
  }
  const cacheDir = hubCacheDir();
  const revision = options.revision ?? 'main';
  const cached = await findCachedSnapshot(cacheDir, idOrPath, revision);
  if (cached) return cached;
  if (options.offline ?? isHubOffline()) {
    throw new TunaInputError(
      `${idOrPath} (${revision}) is not in the Hugging Face cache at ${cacheDir}, and offline mode forbids downloading it. ${WHAT_TO_DO}`,
    );
  }
  const endpoint = hubEndpoint();
  try {
    return await downloadModelSnapshot({
      repoId: idOrPath,
      revision,
      cacheDir,
      endpoint,
      token: await hubToken(),
      onProgress: options.onProgress,
    });
  } catch (error) {
    throw downloadFailure(idOrPath, endpoint, error);
  }
}

/** An existing path is the model folder itself; it must have a config.json. */
async function localModelFolder(path: string): Promise<string | null> {
  const found = await stat(path).catch(() => null);
  if (!found) return null;
  if (!found.isDirectory()) throw new TunaInputError(`${path} is a file; --model takes a model folder or a Hub id`);
  if (!(await stat(join(path, 'config.json')).catch(() => null))) {
    throw new TunaInputError(`model folder ${path} has no config.json; point --model at a Hugging Face model folder`);
  }
  return resolve(path);
}

function isRepoId(text: string): boolean {
  const forbidden = text.includes('--') || text.includes('..') || text.startsWith('.') || text.endsWith('.git');
  return REPO_ID.test(text) && !forbidden;
}

function downloadFailure(repoId: string, endpoint: string, error: unknown): Error {
  if (error instanceof TunaInputError) return error;
  const reason = failureReason(repoId, endpoint, error);
  return new TunaInputError(`could not download ${repoId} from ${endpoint}: ${reason}. ${WHAT_TO_DO}`, { cause: error });
}

function failureReason(repoId: string, endpoint: string, error: unknown): string {
  if (error instanceof HubApiError) {
    if (error.statusCode === 401 || error.statusCode === 403) {
      return `access denied (HTTP ${error.statusCode}); for a gated or private model accept its terms on the model page and set HF_TOKEN`;
    }
    if (error.statusCode === 404) return `no model named ${repoId} there (HTTP 404); check the id, or set HF_TOKEN if it is private`;
    return `the Hub answered HTTP ${error.statusCode} (${error.message})`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (error instanceof TypeError && cause) return `cannot reach ${endpoint} (${cause.code ?? cause.message})`;
  return (error as Error)?.message ?? String(error);
}
