import { TunaInputError } from '../errors.js';
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
