// Reads a training run's metrics.jsonl: one JSON object per logged step, eval_loss on some lines.
import { readFile } from 'node:fs/promises';
import { TunaInputError } from '../errors.js';

/** One line of metrics.jsonl. Losses are null when a step's value was not finite (JSON has no NaN). */
export interface TrainingLogLine {
  step: number;
  epoch?: number;
  loss?: number | null;
  eval_loss?: number | null;
  lr?: number;
  grad_norm?: number | null;
  tokens_per_s?: number;
  elapsed?: number;
  [field: string]: unknown;
}

const NUMERIC_FIELDS = ['epoch', 'loss', 'eval_loss', 'lr', 'grad_norm', 'tokens_per_s', 'elapsed'] as const;

function checkLine(value: unknown, where: string): TrainingLogLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TunaInputError(`${where}: expected a JSON object like {"step":1,"loss":2.3}.`);
  }
  const line = value as Record<string, unknown>;
  if (typeof line.step !== 'number' || !Number.isFinite(line.step)) {
    throw new TunaInputError(`${where}: field "step" must be a number, got ${JSON.stringify(line.step) ?? 'nothing'}.`);
  }
  for (const field of NUMERIC_FIELDS) {
    const entry = line[field];
    if (entry !== undefined && entry !== null && typeof entry !== 'number') {
      throw new TunaInputError(`${where}: field "${field}" must be a number or null, got ${JSON.stringify(entry)}.`);
    }
  }
  return line as TrainingLogLine;
}

/**
 * Parses metrics.jsonl text. Blank lines are skipped, and so is an unfinished last line (no
 * newline after it), since the trainer may be writing it right now.
 */
export function parseMetricsLog(text: string, source = 'metrics.jsonl'): TrainingLogLine[] {
  const lines = text.split('\n');
  const result: TrainingLogLine[] = [];
  lines.forEach((raw, index) => {
    const where = `${source}:${index + 1}`;
    if (raw.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      if (index === lines.length - 1) return;
      throw new TunaInputError(`${where}: not valid JSON (${(error as Error).message}). Each line must be one JSON object.`);
    }
    result.push(checkLine(parsed, where));
  });
  return result;
}

/** Reads and parses a metrics.jsonl file. */
export async function readMetricsLog(path: string): Promise<TrainingLogLine[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TunaInputError(`${path} does not exist: give the metrics.jsonl that tuna train wrote into its run folder.`);
    }
    throw error;
  }
  return parseMetricsLog(text, path);
}
