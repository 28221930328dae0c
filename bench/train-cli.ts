// `tuna train` as a user runs it, one process per run, for peak RSS over the whole process
// (`/usr/bin/time -v`'s "Maximum resident set size" where it is installed, else the process's own
// getrusage peak, reported at exit) and tokens/s from the run's metrics.jsonl. The checkpoint is
// written from a benchmark shape's random weights in full precision (F32 or BF16) with the tiny
// byte-level tokenizer `tuna init-model` makes, so QLoRA quantizes it while reading, as it would
// a downloaded model; the data is the bundled examples/tuna-docs.jsonl.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeShardedSafetensors, type TensorToWrite } from '../src/io/safetensors.js';
import { initModel } from '../src/models/init-model.js';
import { copyTokenizerFiles } from '../src/models/save.js';
import { randomModel, SHAPES, type ShapeName } from './model-shapes.js';
import { round } from './peer.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIME = '/usr/bin/time';
/** Prints the process's peak RSS (kB) on stderr at exit, for machines without /usr/bin/time. */
const PEAK_AT_EXIT = `data:text/javascript,process.on('exit',()=>process.stderr.write('Maximum resident set size (kbytes): '+process.resourceUsage().maxRSS+'\\n'))`;

export interface CliRun {
  method: string;
  checkpoint: 'F32' | 'BF16';
  peak_rss_mb: number;
  tokens_per_s: number;
  wall_s: number;
  peak_from: string;
}

/** A Hugging Face folder of `shape` with random weights stored as `dtype`. */
export async function writeCheckpoint(shape: ShapeName, dtype: 'F32' | 'BF16'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `tuna-bench-${shape}-${dtype.toLowerCase()}-`));
  const tok = await mkdtemp(join(tmpdir(), 'tuna-bench-tokenizer-'));
  await initModel({ arch: 'llama', preset: 'tiny', out: tok, overwrite: true });
  await copyTokenizerFiles(tok, dir);
  await rm(tok, { recursive: true, force: true });
  const model = randomModel(shape);
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, data] of model.hostWeights()) tensors[name] = { dtype, shape: model.shapes.get(name)!, data };
  const torchDtype = dtype === 'F32' ? 'float32' : 'bfloat16';
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...SHAPES[shape], architectures: ['LlamaForCausalLM'], torch_dtype: torchDtype }, null, 2));
  await writeShardedSafetensors(dir, tensors, { maxShardBytes: 2 * 1024 ** 3 });
  return dir;
}

/** One `tuna train` process: its peak RSS and its median tokens/s over the steps after the first. */
export async function cliTrain(modelDir: string, checkpoint: CliRun['checkpoint'], method: string, steps: number, extra: string[] = []): Promise<CliRun> {
  const out = await mkdtemp(join(tmpdir(), `tuna-bench-run-${method}-`));
  const args = ['train', '--model', modelDir, '--data', join(repoRoot, 'examples/tuna-docs.jsonl'), '--out', out, '--method', method, '--max-steps', String(steps), ...extra];
  const viaTime = existsSync(TIME);
  const tuna = join(repoRoot, 'bin/tuna.js');
  const started = performance.now();
  const child = viaTime
    ? spawnSync(TIME, ['-v', process.execPath, tuna, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
    : spawnSync(process.execPath, ['--import', PEAK_AT_EXIT, tuna, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`tuna ${args.join(' ')} failed (${child.status}): ${child.stderr.slice(-2000)}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr)?.[1]);
  const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tokens_per_s?: number })
    .filter((m) => m.tokens_per_s !== undefined).slice(1).map((m) => m.tokens_per_s!).sort((a, b) => a - b);
  await rm(out, { recursive: true, force: true });
  return {
    method, checkpoint, peak_rss_mb: Math.round(kb / 1024), tokens_per_s: metrics[Math.floor(metrics.length / 2)] ?? NaN, wall_s: round(wall, 1),
    peak_from: viaTime ? '/usr/bin/time -v' : 'getrusage at exit',
  };
}
