import type { DatasetFormat } from '../format/dataset-format.js';
import { exampleKey } from '../format/example.js';
import type { LocatedExample } from '../format/example.js';
import { exampleParts } from '../format/example-text.js';
import type { DatasetReport, FieldReport } from './dataset-report.js';
import { hashKey53 } from '../split/key-hash.js';
import { LengthTally } from './length-tally.js';
import { characterCount } from './length-stats.js';
import type { RecordIssue } from '../format/normalize-records.js';
import type { PositionUnit, SkippedLine } from '../load/records.js';
import type { TokenReport } from './token-inspector.js';
import { LineCollector, LINES_LISTED, warningFor } from './warnings.js';
import type { DatasetWarning } from './warnings.js';

function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object' && !ArrayBuffer.isView(value)) return Object.keys(value).length === 0;
  return false;
}

const sumChars = (texts: string[]): number => texts.reduce((total, text) => total + characterCount(text), 0);
const blank = (text: string): boolean => text.trim() === '';

/**
 * The character-level inspection, fed one record at a time so a file of any size is inspected
 * without holding it: fields are counted, lengths tallied by value, and examples remembered as
 * 53-bit hashes for duplicate detection (see hashKey53).
 */
export class DatasetInspector {
  private records = 0;
  private readonly fields = new Map<string, { filled: number; empty: number }>();
  private readonly skipped = new LineCollector();
  private readonly problems: RecordIssue[] = [];
  private problemCount = 0;
  private examples = 0;
  private readonly seen = new Set<number>();
  private readonly duplicates = new LineCollector();
  private readonly promptChars = new LengthTally();
  private readonly answerChars = new LengthTally();
  private readonly totalChars = new LengthTally();
  private readonly emptyAnswer = new LineCollector();
  private readonly emptyPrompt = new LineCollector();
  private readonly noTrained = new LineCollector();

  addRecord(value: unknown): void {
    this.records++;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const [name, field] of Object.entries(value)) {
      let counts = this.fields.get(name);
      if (!counts) this.fields.set(name, (counts = { filled: 0, empty: 0 }));
      if (isEmptyValue(field)) counts.empty++;
      else counts.filled++;
    }
  }

  addSkipped(skipped: SkippedLine): void {
    this.skipped.add(skipped.line);
  }

  addProblem(issue: RecordIssue): void {
    this.problemCount++;
    if (this.problems.length < LINES_LISTED) this.problems.push(issue);
  }

  addExample({ example, line }: LocatedExample): void {
    this.examples++;
    const hash = hashKey53(exampleKey(example));
    if (this.seen.has(hash)) this.duplicates.add(line);
    else this.seen.add(hash);
    const { prompt, answers } = exampleParts(example);
    const promptChars = sumChars(prompt);
    const answerChars = sumChars(answers);
    this.promptChars.add(promptChars);
    this.answerChars.add(answerChars);
    this.totalChars.add(promptChars + answerChars);
    if (answers.length === 0) this.noTrained.add(line);
    else if (answers.some(blank)) this.emptyAnswer.add(line);
    if (example.kind !== 'text' && prompt.every(blank)) this.emptyPrompt.add(line);
  }

  fieldReports(): FieldReport[] {
    return [...this.fields].map(([name, { filled, empty }]) => ({
      name,
      filled,
      empty,
      missing: this.records - filled - empty,
      fillRate: this.records === 0 ? 0 : Math.round((filled / this.records) * 1e4) / 1e4,
    }));
  }

  /** The report; token-level findings, when there are any, are added after the character-level ones. */
  report(source: { file: string; unit: PositionUnit; format: DatasetFormat }, tokens: { report: TokenReport; warnings: DatasetWarning[] } | null = null): DatasetReport {
    return {
      file: source.file,
      unit: source.unit,
      format: source.format,
      records: this.records,
      examples: this.examples,
      skippedLines: this.skipped.count,
      problems: { count: this.problemCount, first: [...this.problems] },
      fields: this.fieldReports(),
      duplicates: { count: this.duplicates.count, lines: [...this.duplicates.lines] },
      chars: { prompt: this.promptChars.stats(), answer: this.answerChars.stats(), total: this.totalChars.stats() },
      tokens: tokens?.report ?? null,
      warnings: [
        ...warningFor('skipped-lines', 'malformed lines were skipped (--skip-bad).', this.skipped),
        ...warningFor('bad-records', `records do not fit the "${source.format}" format and are left out.`, this.problemLines()),
        ...warningFor('duplicates', 'examples repeat an earlier one exactly; they are dropped before the split.', this.duplicates),
        ...warningFor('empty-answer', 'examples have an empty answer: the model learns to answer with nothing.', this.emptyAnswer),
        ...warningFor('empty-prompt', 'examples have an empty prompt.', this.emptyPrompt),
        ...warningFor('no-trained-message', 'conversations have no trained assistant message (all weights 0): nothing to learn.', this.noTrained),
        ...(tokens?.warnings ?? []),
      ],
    };
  }

  private problemLines(): LineCollector {
    const lines = new LineCollector();
    this.problems.forEach((p) => lines.add(p.line));
    lines.count = this.problemCount;
    return lines;
  }
}
