import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TunaInputError } from '../../errors.js';
import { IGNORE_LABEL } from './segments.js';
import type { TokenizedExample } from './segments.js';

/** What happens to an example longer than the maximum length. */
export const TRUNCATION_POLICIES = ['drop', 'truncate'] as const;
export type TruncationPolicy = (typeof TRUNCATION_POLICIES)[number];

/** The outcome for one example: kept as is, cut to the maximum length, or left out (and why). */
export type LengthOutcome =
  | { kind: 'kept'; example: TokenizedExample }
  | { kind: 'truncated'; example: TokenizedExample }
  | { kind: 'dropped'; reason: 'too-long' | 'nothing-trained' };

export function checkMaxLength(maxLength: number): number {
  if (!Number.isSafeInteger(maxLength) || maxLength < 2) {
    throw new TunaInputError(`--max-length ${maxLength}: give a whole number of tokens, at least 2 (for example 2048).`);
  }
  return maxLength;
}

export function parseTruncationPolicy(name: string): TruncationPolicy {
  if ((TRUNCATION_POLICIES as readonly string[]).includes(name)) return name as TruncationPolicy;
  throw new TunaInputError(`--truncation "${name}": use drop (leave long examples out) or truncate (cut them to --max-length).`);
}

/** Whether any label is trained. */
export function hasTrainedLabel(labels: readonly number[]): boolean {
  return labels.some((label) => label !== IGNORE_LABEL);
}

/**
 * Applies the maximum length: `drop` leaves longer examples out, `truncate` keeps their first
 * `maxLength` tokens (the end, and so the EOS, is lost). An example with no trained token left,
 * before or after cutting, is dropped as `nothing-trained`: it would cost compute and teach nothing.
 */
export function fitToMaxLength(example: TokenizedExample, maxLength: number, policy: TruncationPolicy): LengthOutcome {
  if (example.inputIds.length <= maxLength) {
    return hasTrainedLabel(example.labels) ? { kind: 'kept', example } : { kind: 'dropped', reason: 'nothing-trained' };
  }
  if (policy === 'drop') return { kind: 'dropped', reason: 'too-long' };
  const cut = { inputIds: example.inputIds.slice(0, maxLength), labels: example.labels.slice(0, maxLength) };
  return hasTrainedLabel(cut.labels) ? { kind: 'truncated', example: cut } : { kind: 'dropped', reason: 'nothing-trained' };
}

/** The longest default: longer contexts cost memory quadratically and few fine-tuning sets need more. */
export const MAX_DEFAULT_LENGTH = 2048;

/**
 * How many positions a model folder's config.json gives it (max_position_embeddings, or GPT-2's
 * n_positions / n_ctx); null when the folder has no config (a tokenizer-only folder).
 */
export async function modelPositions(modelDir: string): Promise<number | null> {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  for (const key of ['max_position_embeddings', 'n_positions', 'n_ctx']) {
    const value = config[key];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  }
  return null;
}

/**
 * --max-length when given, else min(the model's positions, 2048); with a warning when the value
 * asked for is above what the model's positions can hold.
 */
export function chooseMaxLength(requested: number | undefined, positions: number | null): { maxLength: number; warning: string | null } {
  if (requested === undefined) return { maxLength: Math.min(positions ?? MAX_DEFAULT_LENGTH, MAX_DEFAULT_LENGTH), warning: null };
  const warning = positions !== null && requested > positions
    ? `--max-length ${requested} is above the model's ${positions} positions (max_position_embeddings in config.json): rows longer than that go past what the model was trained on (learned position tables like GPT-2's have no row for them); pass --max-length ${positions} or less`
    : null;
  return { maxLength: checkMaxLength(requested), warning };
}
