// Runs a peer script from ../shared/peers (plain PyTorch through torch-peer, which selects OpenBLAS,
// or transformers + PEFT through hf-peer) and returns the JSON objects it printed, one per line. Benchmarks report the peer in
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

/**
 * The two peers: `torch` is plain PyTorch (Debian's 1.13 with OpenBLAS, through `torch-peer`),
 * `hf` the stack a user would install (transformers + PEFT on PyTorch 2.13, through `hf-peer`,
 * which makes its virtual environment from the machine's local wheels on first use).
 */
export type PeerKind = 'torch' | 'hf';

const WRAPPERS: Record<PeerKind, string> = { torch: 'torch-peer', hf: 'hf-peer' };

/** Runs `torch-peer <script> args...` (or `hf-peer`); `script` is a peer file name or an absolute path. */
export function runPeer<T = Record<string, unknown>>(script: string, args: string[], timeoutMs = 30 * 60_000, kind: PeerKind = 'torch'): PeerResult<T> {
  const wrapper = resolve(peerDir(), WRAPPERS[kind]);
  if (!existsSync(wrapper)) return { ok: false, rows: [], note: `no peer at ${wrapper}` };
  const run = spawnSync(wrapper, [script, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (run.status !== 0) {
    return { ok: false, rows: [], note: `${WRAPPERS[kind]} ${script} failed (${run.status}): ${(run.stderr || run.stdout).trim().slice(-400)}` };
  }
  const rows = run.stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as T);
  return { ok: true, rows };
}

/** One peer configuration a bench compares against: its label in the JSON, the script and its flags. */
export interface PeerSpec {
  label: string;
  kind: PeerKind;
  script: string;
  args: string[];
}

/**
 * The peers for a training bench on the SmolLM2 or TinyLlama shape, fp32 and bf16: plain PyTorch
 * (fp32, bf16 autocast) and transformers + PEFT (fp32, bf16 autocast as TrainingArguments(bf16=True)).
 * The plain PyTorch peer only knows the SmolLM2 shape (with --layers).
 */
export function trainingPeers(mode: 'lora' | 'full', shape: 'smollm2' | 'tinyllama', run: { batch: number; seq: number; steps: string; warmup: string; layers?: string }): PeerSpec[] {
  const common = ['--mode', mode, '--batch', String(run.batch), '--seq', String(run.seq), '--steps', run.steps, '--warmup', run.warmup, ...(run.layers ? ['--layers', run.layers] : [])];
  const hf = [...common, '--shape', shape];
  return [
    ...(shape === 'smollm2'
      ? [
        { label: 'torch_fp32', kind: 'torch' as const, script: 'torch_lora_bench.py', args: common },
        { label: 'torch_bf16', kind: 'torch' as const, script: 'torch_lora_bench.py', args: [...common, '--bf16-autocast'] },
      ]
      : []),
    { label: 'hf_fp32', kind: 'hf', script: 'hf_peft_bench.py', args: hf },
    { label: 'hf_bf16', kind: 'hf', script: 'hf_peft_bench.py', args: [...hf, '--bf16'] },
  ];
}

/** What a peer run reports that benches compare. */
export interface PeerFigures {
  tokens_per_s: number;
  peak_rss_mb: number;
}

/** The peers' runs over a bench's rounds: each round runs every peer once (the host drifts). */
export class PeerRounds {
  private readonly runs = new Map<string, PeerFigures[]>();
  private readonly notes = new Map<string, string>();

  constructor(readonly peers: PeerSpec[]) {
    for (const p of peers) this.runs.set(p.label, []);
  }

  round(): void {
    for (const p of this.peers) {
      const result = runPeer<PeerFigures>(p.script, p.args, 30 * 60_000, p.kind);
      if (result.rows[0]) this.runs.get(p.label)!.push(result.rows[0]);
      else this.notes.set(p.label, result.note ?? 'no figures');
    }
  }

  /**
   * Every peer next to `ours`: for the JSON, its figures and the ratios ours / its (named by
   * `keys`, left out without `ours`), or why it has no figures; and one summary line per peer.
   */
  compare(
    ours: PeerFigures | undefined, keys: { speed: string; memory: string },
    line: (label: string, figures: PeerFigures, ratios?: { speed: number; memory: number }) => string,
  ): { compared: Record<string, unknown>; lines: string[] } {
    const compared: Record<string, unknown> = {};
    const lines: string[] = [];
    for (const { label } of this.peers) {
      const figures = this.figures(label);
      if ('note' in figures) {
        compared[label] = figures;
        lines.push(`${label}: ${figures.note}`);
        continue;
      }
      const ratios = ours && { speed: round(ours.tokens_per_s / figures.tokens_per_s, 3), memory: round(ours.peak_rss_mb / figures.peak_rss_mb, 3) };
      const { tokens_per_s, peak_rss_mb, rounds } = figures;
      compared[label] = { tokens_per_s, peak_rss_mb, ...(ratios ? { [keys.speed]: ratios.speed, [keys.memory]: ratios.memory } : {}), rounds };
      lines.push(line(label, figures, ratios));
    }
    return { compared, lines };
  }

  /** A peer's best tokens/s and highest peak RSS over the rounds, or why it has no figures. */
  figures(label: string): (PeerFigures & { rounds: number[] }) | { note: string } {
    const list = this.runs.get(label) ?? [];
    if (list.length === 0) return { note: this.notes.get(label) ?? 'no figures' };
    return {
      tokens_per_s: Math.max(...list.map((x) => x.tokens_per_s)),
      peak_rss_mb: Math.max(...list.map((x) => x.peak_rss_mb)),
      rounds: list.map((x) => x.tokens_per_s),
    };
  }
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
