// `tuna train --out RUN --resume latest` needs no other option: the run's options come from
// RUN/config.yaml, and an option given again must match it, except those that only say how long
// to go on or how often to save and evaluate.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TunaInputError } from '../errors.js';
import { moduleList, trainOptionsSchema } from './options.js';

/** Options a resumed run may change: how far to train, and how often to save and evaluate. */
const MAY_CHANGE = new Set(['resume', 'out', 'epochs', 'maxSteps', 'evalEvery', 'saveEvery', 'keepCheckpoints', 'gradientCheckpointing']);

const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * With --resume, the options saved in RUN/config.yaml under the ones given (which must agree with
 * them, save those in MAY_CHANGE); without --resume, the options as given.
 */
export async function resumeOptions(input: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (input.resume === undefined || typeof input.out !== 'string') return input;
  const given = { ...input };
  for (const key of ['targetModules', 'modulesToSave']) {
    if (Array.isArray(given[key])) given[key] = moduleList(given[key] as string[]);
  }
  const file = join(input.out, 'config.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    // A run folder from before config.yaml was written: every option must be given again.
    return given;
  }
  const saved = parseYaml(text) as Record<string, unknown> | null;
  if (!saved || typeof saved !== 'object') throw new TunaInputError(`--resume: ${file} holds no options; pass --model and --data again`);
  const known = new Set(Object.keys(trainOptionsSchema.shape));
  const base = Object.fromEntries(Object.entries(saved).filter(([key]) => known.has(key)));
  const differing = Object.entries(given)
    .filter(([key, value]) => value !== undefined && key in base && !MAY_CHANGE.has(key) && !sameValue(value, base[key]))
    .map(([key, value]) => `${flag(key)} ${show(value)} (the run has ${show(base[key])})`);
  if (differing.length > 0) {
    throw new TunaInputError(`--resume: ${differing.join('; ')}, from ${file}. Leave these options out to resume with the run's own, or start a new run folder with --out.`);
  }
  return { ...base, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const show = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value));
