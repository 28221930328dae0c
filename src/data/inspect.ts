import { dedupe } from './dedupe.js';
import type { DatasetFormat } from './dataset-format.js';
import { exampleKey } from './example.js';
import { exampleParts } from './example-text.js';
import { characterCount, lengthStats } from './length-stats.js';
import type { LengthStats } from './length-stats.js';
import type { RecordIssue } from './normalize-records.js';
import type { Dataset } from './read-dataset.js';
import type { PositionUnit } from './records.js';

/** How many line numbers a report lists for each finding. */
export const LINES_LISTED = 10;

export interface FieldReport {
  name: string;
  /** Records with a non-empty value. */
  filled: number;
  /** Records where the field is null, "" (or blank), [] or {}. */
  empty: number;
  /** Records without the field. */
  missing: number;
  /** filled / records, 4 decimals. */
  fillRate: number;
}

export type WarningCode = 'skipped-lines' | 'bad-records' | 'duplicates' | 'empty-answer' | 'empty-prompt' | 'no-trained-message';

export interface DatasetWarning {
  code: WarningCode;
  message: string;
  count: number;
  /** The first LINES_LISTED lines (or rows) concerned. */
  lines: number[];
}

/** Length statistics of untrained text, trained text and both, per example. */
export interface LengthReport {
  prompt: LengthStats;
  answer: LengthStats;
  total: LengthStats;
}

/** A plain JSON-able description of a dataset at the character level. */
export interface DatasetReport {
  file: string;
  unit: PositionUnit;
  format: DatasetFormat;
  records: number;
  examples: number;
  skippedLines: number;
  problems: { count: number; first: RecordIssue[] };
  fields: FieldReport[];
  duplicates: { count: number; lines: number[] };
  /** Characters (code points) of each example's own text, before any template. */
  chars: LengthReport;
  /** Token counts, same shape: filled in by the tokenizer-aware inspection, null until then. */
  tokens: LengthReport | null;
  warnings: DatasetWarning[];
}

function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object' && !ArrayBuffer.isView(value)) return Object.keys(value).length === 0;
  return false;
}

/** Fill counts for every top-level field, in order of first appearance. */
export function fieldReports(values: readonly unknown[]): FieldReport[] {
  const objects = values.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v));
  const names = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  return names.map((name) => {
    let filled = 0;
    let empty = 0;
    for (const record of objects) {
      if (!(name in record)) continue;
      if (isEmptyValue(record[name])) empty++;
      else filled++;
    }
    const missing = values.length - filled - empty;
    return { name, filled, empty, missing, fillRate: values.length === 0 ? 0 : Math.round((filled / values.length) * 1e4) / 1e4 };
  });
}

function warning(code: WarningCode, message: string, lines: number[]): DatasetWarning[] {
  return lines.length === 0 ? [] : [{ code, message: `${lines.length} ${message}`, count: lines.length, lines: lines.slice(0, LINES_LISTED) }];
}

const sumChars = (texts: string[]): number => texts.reduce((total, text) => total + characterCount(text), 0);
const blank = (text: string): boolean => text.trim() === '';

/** Inspects a dataset read by readDataset; needs no tokenizer. */
export function inspectDataset(dataset: Dataset): DatasetReport {
  const { examples } = dataset;
  const { duplicates } = dedupe(examples, (x) => exampleKey(x.example));
  const promptChars: number[] = [];
  const answerChars: number[] = [];
  const emptyAnswer: number[] = [];
  const emptyPrompt: number[] = [];
  const noTrained: number[] = [];
  for (const { example, line } of examples) {
    const { prompt, answers } = exampleParts(example);
    promptChars.push(sumChars(prompt));
    answerChars.push(sumChars(answers));
    if (answers.length === 0) noTrained.push(line);
    else if (answers.some(blank)) emptyAnswer.push(line);
    if (example.kind !== 'text' && prompt.every(blank)) emptyPrompt.push(line);
  }
  const duplicateLines = duplicates.map((d) => examples[d.index]!.line);
  return {
    file: dataset.file,
    unit: dataset.unit,
    format: dataset.format,
    records: dataset.records.length,
    examples: examples.length,
    skippedLines: dataset.skipped.length,
    problems: { count: dataset.problems.length, first: dataset.problems.slice(0, LINES_LISTED) },
    fields: fieldReports(dataset.records.map((r) => r.value)),
    duplicates: { count: duplicates.length, lines: duplicateLines.slice(0, LINES_LISTED) },
    chars: {
      prompt: lengthStats(promptChars),
      answer: lengthStats(answerChars),
      total: lengthStats(promptChars.map((p, i) => p + answerChars[i]!)),
    },
    tokens: null,
    warnings: [
      ...warning('skipped-lines', 'malformed lines were skipped (--skip-bad).', dataset.skipped.map((s) => s.line)),
      ...warning('bad-records', `records do not fit the "${dataset.format}" format and are left out.`, dataset.problems.map((p) => p.line)),
      ...warning('duplicates', 'examples repeat an earlier one exactly; they are dropped before the split.', duplicateLines),
      ...warning('empty-answer', 'examples have an empty answer: the model learns to answer with nothing.', emptyAnswer),
      ...warning('empty-prompt', 'examples have an empty prompt.', emptyPrompt),
      ...warning('no-trained-message', 'conversations have no trained assistant message (all weights 0): nothing to learn.', noTrained),
    ],
  };
}
