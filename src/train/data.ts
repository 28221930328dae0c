// Training data for a run: a folder written by `tuna prepare` (train.jsonl, test.jsonl with
// input_ids and labels), or a raw dataset file prepared on the fly with the default template.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TunaInputError } from '../errors.js';
import type { TrainExample } from './batching.js';

export interface TrainingData {
  train: TrainExample[];
  test: TrainExample[];
}

export interface LoadDataOptions {
  modelDir: string;
  maxLength: number;
  /** Raw data only: drop or truncate examples longer than maxLength. */
  truncation?: 'drop' | 'truncate';
  template?: string;
  testSize: number;
  seed: number;
  log: (line: string) => void;
}

/** The JSON records of a JSONL file with their 1-based line numbers; a bad line is an error naming file and line. */
export async function* readJsonlLines(file: string): AsyncGenerator<{ record: Record<string, unknown>; line: number }> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { record: JSON.parse(text) as Record<string, unknown>, line };
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      throw new TunaInputError(`${file}:${line}: not valid JSON (${e.message})`);
    }
  }
}

/** Reads input_ids/labels records from a prepared JSONL file, naming the line of a bad record. */
export async function readPreparedJsonl(file: string): Promise<TrainExample[]> {
  const out: TrainExample[] = [];
  for await (const { record: rec, line: n } of readJsonlLines(file)) {
    const ids = rec.input_ids;
    const labels = rec.labels;
    if (!Array.isArray(ids) || !ids.every(Number.isInteger)) throw new TunaInputError(`${file}:${n}: field "input_ids" must be a list of token ids; was the file written by tuna prepare?`);
    if (!Array.isArray(labels) || labels.length !== ids.length) throw new TunaInputError(`${file}:${n}: field "labels" must be a list as long as "input_ids"`);
    const packed = Array.isArray(rec.segment_ids) && Array.isArray(rec.position_ids)
      ? { positionIds: rec.position_ids as number[], segmentIds: rec.segment_ids as number[] } : {};
    out.push({ inputIds: ids as number[], labels: labels as number[], ...packed });
  }
  return out;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    throw new TunaInputError(`--data ${path}: no such file or folder`);
  }
}

export async function loadTrainingData(path: string, options: LoadDataOptions): Promise<TrainingData> {
  if (await isFolder(path)) {
    const trainFile = join(path, 'train.jsonl');
    try {
      await stat(trainFile);
    } catch {
      throw new TunaInputError(`--data ${path}: the folder has no train.jsonl; make it with \`tuna prepare\` or pass a dataset file`);
    }
    const train = await readPreparedJsonl(trainFile);
    const test = await readPreparedJsonl(join(path, 'test.jsonl')).catch(() => []);
    return { train, test };
  }
  const { prepareInMemory } = await import('../data/prepare/prepare.js');
  options.log(`preparing ${path} with the ${options.template ?? 'default'} template`);
  const prepared = await prepareInMemory(path, {
    model: options.modelDir, template: options.template, maxLength: options.maxLength, truncation: options.truncation, testSize: options.testSize, seed: options.seed,
  });
  const convert = (rows: { input_ids: number[]; labels: number[]; position_ids?: number[]; segment_ids?: number[] }[]) => rows.map((r) => ({
    inputIds: r.input_ids, labels: r.labels, ...(r.segment_ids && r.position_ids ? { positionIds: r.position_ids, segmentIds: r.segment_ids } : {}),
  }));
  return { train: convert(prepared.train), test: convert(prepared.test) };
}
