/**
 * The Hugging Face cache shared with Python tools
 * (`models--ORG--NAME/{blobs,snapshots/<sha>,refs/<revision>}`) and the HF_* settings.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SINGLE_WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './model-weights.js';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** Where huggingface_hub keeps downloads: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['HF_HUB_CACHE'] ?? env['HUGGINGFACE_HUB_CACHE'];
  if (explicit) return expandHome(explicit);
  return join(hfHome(env), 'hub');
}

function hfHome(env: NodeJS.ProcessEnv): string {
  if (env['HF_HOME']) return expandHome(env['HF_HOME']);
  return join(expandHome(env['XDG_CACHE_HOME'] ?? '~/.cache'), 'huggingface');
}

/** HF_ENDPOINT without a trailing slash. */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env['HF_ENDPOINT'] || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
}

/** huggingface_hub's truthy spellings for HF_HUB_OFFLINE. */
export function isHubOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['1', 'ON', 'YES', 'TRUE'].includes((env['HF_HUB_OFFLINE'] ?? '').toUpperCase());
}

/** HF_TOKEN, else the token `hf auth login` saved (HF_TOKEN_PATH or HF_HOME/token). */
export async function hubToken(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const fromEnv = env['HF_TOKEN'] ?? env['HUGGING_FACE_HUB_TOKEN'];
  if (fromEnv) return fromEnv.trim();
  try {
    const saved = (await readFile(expandHome(env['HF_TOKEN_PATH'] ?? join(hfHome(env), 'token')), 'utf8')).trim();
    return saved || undefined;
  } catch {
    return undefined;
  }
}

/** `models--ORG--NAME` inside the cache. */
export function repoCacheFolder(cacheDir: string, repoId: string): string {
  return join(cacheDir, `models--${repoId.split('/').join('--')}`);
}

const COMMIT_SHA = /^[0-9a-f]{40}$/;

/** The cached snapshot for `revision` when it holds a loadable model, else null. */
export async function findCachedSnapshot(cacheDir: string, repoId: string, revision = 'main'): Promise<string | null> {
  const repoFolder = repoCacheFolder(cacheDir, repoId);
  let commit = revision;
  if (!COMMIT_SHA.test(revision)) {
    try {
      commit = (await readFile(join(repoFolder, 'refs', revision), 'utf8')).trim();
    } catch {
      return null;
    }
  }
  const snapshot = join(repoFolder, 'snapshots', commit);
  return (await isCompleteModelFolder(snapshot)) ? snapshot : null;
}

/** config.json plus either model.safetensors or an index whose shards are all present. */
export async function isCompleteModelFolder(dir: string): Promise<boolean> {
  if (!(await exists(join(dir, 'config.json')))) return false;
  if (await exists(join(dir, SINGLE_WEIGHTS_FILE))) return true;
  try {
    const index = JSON.parse(await readFile(join(dir, WEIGHTS_INDEX_FILE), 'utf8')) as { weight_map?: object };
    const shards = new Set(Object.values(index.weight_map ?? {}));
    if (shards.size === 0) return false;
    for (const shard of shards) if (!(await exists(join(dir, shard)))) return false;
    return true;
  } catch {
    return false;
  }
}

/** Follows symlinks: a snapshot entry whose blob is gone does not count. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
