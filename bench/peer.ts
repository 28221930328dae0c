// Runs a PyTorch peer script from ../shared/peers (through its torch-peer wrapper, which selects
// OpenBLAS) and returns the JSON objects it printed, one per line. Benchmarks report the peer in
// the same run; when the peers are absent they say so instead of inventing a figure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function peerDir(): string {
  return process.env.TUNA_PEERS ?? resolve(repoRoot, '../shared/peers');
}

export interface PeerResult<T> {
  ok: boolean;
  rows: T[];
  note?: string;
}

/**
 * Runs a bench script again in a child process of its own (so its peak RSS is its own) with
 * `node [nodeFlags] --import tsx script args...` and returns the last JSON object it printed.
 */
export function runChild<T>(script: string, args: string[], what: string, nodeFlags: string[] = []): T {
  const child = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = child.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (child.status !== 0 || !line) throw new Error(`${what} failed: ${child.stderr.slice(-2000)}`);
  return JSON.parse(line) as T;
}

/** Runs `torch-peer <script> args...`; `script` is a peer file name or an absolute path. */
export function runPeer<T = Record<string, unknown>>(script: string, args: string[], timeoutMs = 30 * 60_000): PeerResult<T> {
  const wrapper = resolve(peerDir(), 'torch-peer');
  if (!existsSync(wrapper)) return { ok: false, rows: [], note: `no PyTorch peer at ${wrapper}` };
  const run = spawnSync(wrapper, [script, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (run.status !== 0) {
    return { ok: false, rows: [], note: `torch-peer ${script} failed (${run.status}): ${(run.stderr || run.stdout).trim().slice(-400)}` };
  }
  const rows = run.stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as T);
  return { ok: true, rows };
}

/** Parses `--name value` flags with defaults. */
export function flags<T extends Record<string, string>>(defaults: T, argv = process.argv.slice(2)): T {
  const out: Record<string, string> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i]!.replace(/^--/, '');
    if (!(key in defaults)) throw new Error(`unknown option --${key}; known: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')}`);
    out[key] = argv[++i] ?? '';
  }
  return out as T;
}

export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
