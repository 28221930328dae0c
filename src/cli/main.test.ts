import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tuna } from './testing/run-cli.js';

test('tuna --version prints the package version', async () => {
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const result = await tuna(flag);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), version);
  }
});

test('npm reads the project configuration without warnings (no unknown .npmrc keys)', async () => {
  const root = new URL('../..', import.meta.url);
  const { stdout, stderr } = await promisify(execFile)('npm', ['pkg', 'get', 'name', 'allowScripts'], { cwd: root });
  assert.doesNotMatch(stderr, /npm warn/i);
  // onnxruntime-node's install script would fetch CUDA binaries: the project denies it (the CPU build ships in the package).
  assert.equal((JSON.parse(stdout) as { allowScripts: Record<string, boolean> }).allowScripts['onnxruntime-node'], false);
});
