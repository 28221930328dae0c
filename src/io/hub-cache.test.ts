/** Cache location and HF_* settings follow huggingface_hub's rules. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCachedSnapshot, hubCacheDir, hubEndpoint, hubToken, isHubOffline, repoCacheFolder } from './hub-cache.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tuna-hub-cache-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('cache folder: HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME or ~/.cache', () => {
  assert.equal(hubCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' }), '/c');
  assert.equal(hubCacheDir({ HF_HOME: '/h' }), '/h/hub');
  assert.equal(hubCacheDir({ HF_HOME: '~/hf' }), join(homedir(), 'hf', 'hub'));
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/huggingface/hub');
  assert.equal(hubCacheDir({}), join(homedir(), '.cache', 'huggingface', 'hub'));
  assert.equal(repoCacheFolder('/c', 'org/name'), '/c/models--org--name');
});

test('endpoint, offline flag and token', async () => {
  assert.equal(hubEndpoint({}), 'https://huggingface.co');
  assert.equal(hubEndpoint({ HF_ENDPOINT: 'https://mirror.example/' }), 'https://mirror.example');
  for (const value of ['1', 'true', 'YES', 'on']) assert.equal(isHubOffline({ HF_HUB_OFFLINE: value }), true, value);
  for (const value of ['0', '', 'false']) assert.equal(isHubOffline({ HF_HUB_OFFLINE: value }), false, value);
  assert.equal(await hubToken({ HF_TOKEN: ' hf_abc\n' }), 'hf_abc');
  await writeFile(join(root, 'token'), 'hf_saved\n');
  assert.equal(await hubToken({ HF_HOME: root }), 'hf_saved');
  assert.equal(await hubToken({ HF_HOME: join(root, 'none') }), undefined);
});

test('a snapshot counts as cached only when config.json and every weight file resolve', async () => {
  const repo = repoCacheFolder(root, 'org/m');
  const sha = 'a'.repeat(40);
  const snapshot = join(repo, 'snapshots', sha);
  await mkdir(snapshot, { recursive: true });
  await mkdir(join(repo, 'refs'), { recursive: true });
  await mkdir(join(repo, 'blobs'), { recursive: true });
  assert.equal(await findCachedSnapshot(root, 'org/m'), null, 'no refs/main yet');
  await writeFile(join(repo, 'refs', 'main'), sha);
  await writeFile(join(snapshot, 'config.json'), '{}');
  await writeFile(join(snapshot, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 's1.safetensors', b: 's2.safetensors' } }));
  await writeFile(join(snapshot, 's1.safetensors'), '');
  assert.equal(await findCachedSnapshot(root, 'org/m'), null, 'a shard is missing');
  await symlink('../../blobs/gone', join(snapshot, 's2.safetensors'));
  assert.equal(await findCachedSnapshot(root, 'org/m'), null, 'a dangling link does not count');
  await writeFile(join(repo, 'blobs', 'gone'), '');
  assert.equal(await findCachedSnapshot(root, 'org/m'), snapshot);
  assert.equal(await findCachedSnapshot(root, 'org/m', sha), snapshot, 'a commit sha needs no ref');
  assert.equal(await findCachedSnapshot(root, 'org/m', 'dev'), null);
});
