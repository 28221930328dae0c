// Checkpoints: trainable tensors, AdamW moments and the trainer state (step, data position,
// seed), written to a temporary folder and renamed, so a crash never leaves a broken checkpoint.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TunaInputError } from '../errors.js';
import { writeFolderAtomically } from '../io/atomic-dir.js';
import { openSafetensors, writeSafetensors, type TensorToWrite } from '../io/safetensors.js';

export interface TrainerState {
  /** Optimizer steps done. */
  step: number;
  /** Where the next micro-batch comes from. */
  epoch: number;
  batchIndex: number;
  seed: number;
  totalSteps: number;
  /** Identifies the run's options, so a resume with different data or options is refused. */
  fingerprint: string;
}

const STATE = 'trainer_state.json';
const TRAINABLE = 'trainable.safetensors';
const OPTIMIZER = 'optimizer.safetensors';

export const checkpointName = (step: number) => `checkpoint-${step}`;

export async function saveCheckpoint(
  runDir: string,
  state: TrainerState,
  trainable: Map<string, Float32Array>,
  moments: Map<string, Float32Array>,
  shapes: Map<string, readonly number[]>,
  keepLast: number,
): Promise<string> {
  const dir = join(runDir, checkpointName(state.step));
  const toTensors = (m: Map<string, Float32Array>, shapeOf: (n: string) => readonly number[]) => {
    const out: Record<string, TensorToWrite> = {};
    for (const [name, data] of m) out[name] = { dtype: 'F32', shape: shapeOf(name), data };
    return out;
  };
  await writeFolderAtomically(dir, async (tmp) => {
    await writeSafetensors(join(tmp, TRAINABLE), toTensors(trainable, (n) => shapes.get(n)!), { format: 'pt' });
    await writeSafetensors(join(tmp, OPTIMIZER), toTensors(moments, (n) => shapes.get(n.replace(/^adam_[mv]\./, ''))!), { format: 'pt' });
    await writeFile(join(tmp, STATE), `${JSON.stringify(state, null, 2)}\n`);
  });
  const all = await listCheckpoints(runDir);
  for (const old of all.slice(0, Math.max(0, all.length - keepLast))) await rm(join(runDir, checkpointName(old)), { recursive: true, force: true });
  return dir;
}

/** Completed checkpoints' steps, oldest first (temporary folders are ignored). */
export async function listCheckpoints(runDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(runDir);
  } catch {
    return [];
  }
  return names.map((n) => /^checkpoint-(\d+)$/.exec(n)).filter((m) => m !== null).map((m) => Number(m![1])).sort((a, b) => a - b);
}

export interface LoadedCheckpoint {
  dir: string;
  state: TrainerState;
  trainable: Map<string, Float32Array>;
  moments: Map<string, Float32Array>;
}

/** Loads `latest` (the newest in runDir) or a checkpoint folder path. */
export async function loadCheckpoint(runDir: string, which: string): Promise<LoadedCheckpoint> {
  let dir = which;
  if (which === 'latest') {
    const steps = await listCheckpoints(runDir);
    if (steps.length === 0) throw new TunaInputError(`--resume latest: ${runDir} has no checkpoint-N folder to resume from`);
    dir = join(runDir, checkpointName(steps[steps.length - 1]!));
  }
  let state: TrainerState;
  try {
    state = JSON.parse(await readFile(join(dir, STATE), 'utf8')) as TrainerState;
  } catch (error) {
    throw new TunaInputError(`--resume: ${join(dir, STATE)} cannot be read (${(error as Error).message}); pass a checkpoint folder or "latest"`);
  }
  const read = async (file: string) => {
    const source = await openSafetensors(join(dir, file));
    const out = new Map<string, Float32Array>();
    for (const t of source.tensors) out.set(t.name, await source.readFloat32(t.name));
    return out;
  };
  return { dir, state, trainable: await read(TRAINABLE), moments: await read(OPTIMIZER) };
}
