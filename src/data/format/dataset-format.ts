import { TunaInputError } from '../../errors.js';
import type { LoadedRecord } from '../load/records.js';

/** Record layouts Tuna recognises, in detection order. `fields` is only chosen explicitly (user templates). */
export const DATASET_FORMATS = [
  'messages',
  'conversations',
  'prompt-completion',
  'question-answer',
  'instruction',
  'input-output',
  'text',
] as const;
export type DetectableFormat = (typeof DATASET_FORMATS)[number];
export type DatasetFormat = DetectableFormat | 'fields';

interface FormatSpec {
  /** Every one of these fields must be present. */
  required: readonly string[];
  /** At least one of these must be present too (empty: no such condition). */
  oneOf: readonly string[];
  /** How the format is written in messages. */
  shape: string;
}

export const FORMAT_SPECS: Record<DetectableFormat, FormatSpec> = {
  messages: { required: ['messages'], oneOf: [], shape: '{messages: [{role, content}]}' },
  conversations: { required: ['conversations'], oneOf: [], shape: '{conversations: [{from, value}]}' },
  'prompt-completion': { required: ['prompt', 'completion'], oneOf: [], shape: '{prompt, completion}' },
  'question-answer': { required: ['question', 'answer'], oneOf: [], shape: '{question, answer}' },
  instruction: { required: ['instruction'], oneOf: ['response', 'output'], shape: '{instruction, input?, response|output}' },
  'input-output': { required: ['input', 'output'], oneOf: [], shape: '{input, output}' },
  text: { required: ['text'], oneOf: [], shape: '{text}' },
};

/** How many leading non-empty records detection looks at. */
export const DETECTION_SAMPLE = 20;

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Whether detection counts a record: an object with at least one field set. */
export function isNonEmptyObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).some(isPresent);
}

function fits(spec: FormatSpec, record: Record<string, unknown>): boolean {
  return spec.required.every((f) => isPresent(record[f])) && (spec.oneOf.length === 0 || spec.oneOf.some((f) => isPresent(record[f])));
}

/**
 * Picks the first format (in DATASET_FORMATS order) that more than half of the first
 * DETECTION_SAMPLE non-empty records fit, so a few broken leading records do not mislead it.
 */
export function detectFormat(records: readonly LoadedRecord[], file = 'the data'): DetectableFormat {
  const sample: Record<string, unknown>[] = [];
  for (const { value } of records) {
    if (isNonEmptyObject(value)) sample.push(value);
    if (sample.length === DETECTION_SAMPLE) break;
  }
  if (sample.length === 0) {
    throw new TunaInputError(`${file}: no record is an object with fields, so the format cannot be detected. Records must be JSON objects or table rows.`);
  }
  for (const format of DATASET_FORMATS) {
    const fitting = sample.filter((record) => fits(FORMAT_SPECS[format], record)).length;
    if (fitting * 2 > sample.length) return format;
  }
  const fields = [...new Set(sample.flatMap((record) => Object.keys(record)))].map((f) => `"${f}"`).join(', ');
  const known = DATASET_FORMATS.map((f) => FORMAT_SPECS[f].shape).join(', ');
  throw new TunaInputError(
    `${file}: cannot tell the data format from the fields ${fields}. Known formats: ${known}. ` +
      'Rename columns with --map field=column (for example --map question=title), or pick the format with --format.',
  );
}

/** Validates a `--format` value. */
export function parseDatasetFormat(name: string): DatasetFormat {
  if ((DATASET_FORMATS as readonly string[]).includes(name) || name === 'fields') return name as DatasetFormat;
  throw new TunaInputError(`--format "${name}": unknown format. Use one of ${DATASET_FORMATS.join(', ')}, or leave it out to detect it.`);
}
