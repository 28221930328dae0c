// What a generated pair must pass to be kept: an answer, no refusal, grounding in its chunk, and
// in Self-Instruct mode the paper's heuristics for instructions a text model can carry out.
import { rougeTokens } from '../eval/rouge-l.js';

/** Why a proposed pair was not kept. */
export const DROP_REASONS = ['missing-fields', 'empty-answer', 'refusal', 'ungrounded', 'self-instruct-filter', 'duplicate', 'over-target'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

const REFUSALS = [
  /^\s*(i'?m sorry|i am sorry|sorry,|i apologi[sz]e|unfortunately,? i|i cannot|i can'?t|i can ?not|i am (not able|unable)|i'?m (not able|unable)|i won'?t|as an ai\b|as a language model)/i,
  /\b(the|this) (text|excerpt|passage|context|document|article|source|provided (text|information|context|excerpt))s? (does not|doesn't|do not|don't) (say|mention|provide|specify|contain|include|state|cover|describe|explain|give)\b/i,
  /\bnot (mentioned|provided|specified|stated|given|covered|described|included) in the (text|excerpt|passage|context|document|article|source)\b/i,
  /\b(no|not enough|insufficient) information (is )?(provided|given|available)\b/i,
];

/** Whether an answer declines to answer instead of answering. */
export function isRefusal(answer: string): boolean {
  return REFUSALS.some((pattern) => pattern.test(answer));
}

const STOP_WORDS = new Set(
  ('a an and are as at be been but by can could did do does for from had has have how i if in into is it its may might more most ' +
    'must no not of on or our so such than that the their them then there these they this those to too us was we were what when ' +
    'where which while who whom why will with would yes you your also about after before each every other only own same some very just any all both')
    .split(' '),
);

/** Lowercase words of 3+ characters (or with a digit) that are not stop words, a final "s" dropped. */
export function contentWords(text: string): string[] {
  return rougeTokens(text)
    .filter((word) => (word.length >= 3 || /\d/.test(word)) && !STOP_WORDS.has(word))
    .map((word) => (word.length > 3 && word.endsWith('s') ? word.slice(0, -1) : word));
}

/**
 * The share of the answer's content words that occur in the chunk. An answer made only of
 * stop words ("Yes.") cannot be judged and counts as grounded (1).
 */
export function groundingScore(answer: string, chunk: string): number {
  const words = contentWords(answer);
  if (words.length === 0) return 1;
  const present = new Set(contentWords(chunk));
  return words.filter((word) => present.has(word)).length / words.length;
}

// Self-Instruct (Wang et al. 2022): instructions about images, files or browsing, programs, too
// short or too long, or not starting with an ASCII letter or digit, are not kept.
const BLOCKED = /\b(image|images|graph|graphs|picture|pictures|file|files|map|maps|draw|plot|go to)\b/i;

/** Whether an instruction passes the Self-Instruct paper's heuristic filters. */
export function passesSelfInstructFilter(instruction: string): boolean {
  const words = instruction.trim().split(/\s+/).filter(Boolean);
  if (words.length <= 3 || words.length > 150) return false;
  if (BLOCKED.test(instruction)) return false;
  if (/^\s*write a program/i.test(instruction)) return false;
  const first = instruction.trim()[0]!;
  if (/[!-/:-@[-`{-~]/.test(first)) return false;
  return first.charCodeAt(0) < 128;
}
