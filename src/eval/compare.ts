// Base against fine-tuned: the summary table and the examples where the two differ most.
import { mean, meanTokenLoss, perplexity } from './aggregate.js';
import type { LossTotals } from './aggregate.js';
import { scoreOutput } from './score-output.js';
import type { ExampleMetrics } from './score-output.js';

/** One test example with both models' outputs and their scores. */
export interface ComparedExample {
  prompt: string;
  reference: string;
  baseOutput: string;
  tunedOutput: string;
  base: ExampleMetrics;
  tuned: ExampleMetrics;
  /** A prompted large model's answer (`eval --prompt-baseline`), when one was asked. */
  promptedOutput?: string;
  prompted?: ExampleMetrics;
}

/** Everything the summary needs: per-example results and, when computed, teacher-forced loss totals. */
export interface Comparison {
  examples: readonly ComparedExample[];
  baseLoss?: LossTotals | undefined;
  tunedLoss?: LossTotals | undefined;
}

export type SummaryMetric = keyof ExampleMetrics | 'loss' | 'perplexity';

/** One line of the summary table; `change` is fine-tuned minus base. */
export interface SummaryRow {
  metric: SummaryMetric;
  label: string;
  base: number;
  tuned: number;
  change: number;
  higherIsBetter: boolean;
  /** The prompted baseline's value (NaN for loss and perplexity, which an endpoint cannot give). */
  prompted?: number;
}

const LABELS: Record<SummaryMetric, string> = {
  exactMatch: 'Exact match',
  f1: 'Token F1',
  rougeL: 'ROUGE-L',
  loss: 'Loss (per token)',
  perplexity: 'Perplexity',
};

const DECIMALS: Record<SummaryMetric, number> = { exactMatch: 3, f1: 3, rougeL: 3, loss: 4, perplexity: 2 };

/** Scores both models' outputs for each example. */
export function compareOutputs(
  rows: readonly { prompt: string; reference: string; baseOutput: string; tunedOutput: string; promptedOutput?: string }[],
): ComparedExample[] {
  return rows.map((row) => ({
    ...row,
    base: scoreOutput(row.baseOutput, row.reference),
    tuned: scoreOutput(row.tunedOutput, row.reference),
    ...(row.promptedOutput !== undefined ? { prompted: scoreOutput(row.promptedOutput, row.reference) } : {}),
  }));
}

function row(metric: SummaryMetric, base: number, tuned: number, higherIsBetter: boolean): SummaryRow {
  return { metric, label: LABELS[metric], base, tuned, change: tuned - base, higherIsBetter };
}

/** Means over examples of each text metric, then loss and perplexity when both totals are given. */
export function summarizeComparison(comparison: Comparison): SummaryRow[] {
  const { examples, baseLoss, tunedLoss } = comparison;
  const prompted = examples.length > 0 && examples.every((e) => e.prompted);
  const rows = (['exactMatch', 'f1', 'rougeL'] as const).map((metric) => ({
    ...row(metric, mean(examples.map((e) => e.base[metric])), mean(examples.map((e) => e.tuned[metric])), true),
    ...(prompted ? { prompted: mean(examples.map((e) => e.prompted![metric])) } : {}),
  }));
  if (baseLoss && tunedLoss) {
    rows.push({ ...row('loss', meanTokenLoss(baseLoss), meanTokenLoss(tunedLoss), false), ...(prompted ? { prompted: NaN } : {}) });
    rows.push({ ...row('perplexity', perplexity(baseLoss), perplexity(tunedLoss), false), ...(prompted ? { prompted: NaN } : {}) });
  }
  return rows;
}

/** A metric value as reports print it: fixed decimals per metric, "inf" and "n/a" spelled out. */
export function formatMetricValue(metric: SummaryMetric, value: number): string {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return value.toFixed(DECIMALS[metric]);
}

/** The change with its sign ("+0.120", "-1.05", "0.000"). */
export function formatChange(row: SummaryRow): string {
  const text = formatMetricValue(row.metric, row.change);
  if (Number.isNaN(row.change)) return text;
  if (Number(text) === 0) return text.replace(/^-/, '');
  return row.change > 0 ? `+${text}` : text;
}

/** Whether the fine-tuned model did better, worse or the same on this row (at the printed precision). */
export function changeDirection(row: SummaryRow): 'better' | 'worse' | 'same' {
  if (Number.isNaN(row.change) || Number(formatMetricValue(row.metric, row.change)) === 0) return 'same';
  return row.change > 0 === row.higherIsBetter ? 'better' : 'worse';
}

export interface ColumnNames {
  base: string;
  tuned: string;
  prompted?: string;
}

export const DEFAULT_COLUMN_NAMES: Required<ColumnNames> = { base: 'Base', tuned: 'Fine-tuned', prompted: 'Prompted' };

/** Whether the rows carry a prompted baseline, which gets its own column before Change. */
export const hasPromptedColumn = (rows: readonly SummaryRow[]) => rows.some((r) => r.prompted !== undefined);

/** The table's cells as strings: header first, then one line per row (Change is fine-tuned minus base). */
export function summaryCells(rows: readonly SummaryRow[], names: ColumnNames = DEFAULT_COLUMN_NAMES): string[][] {
  const prompted = hasPromptedColumn(rows);
  return [
    ['Metric', names.base, ...(prompted ? [names.prompted ?? DEFAULT_COLUMN_NAMES.prompted] : []), names.tuned, 'Change'],
    ...rows.map((r) => [
      r.label, formatMetricValue(r.metric, r.base), ...(prompted ? [formatMetricValue(r.metric, r.prompted ?? NaN)] : []),
      formatMetricValue(r.metric, r.tuned), formatChange(r),
    ]),
  ];
}

/** The summary as an aligned plain-text table for the terminal (numbers right-aligned). */
export function formatSummaryTable(rows: readonly SummaryRow[], names?: ColumnNames): string {
  const cells = summaryCells(rows, names);
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((line) => line[column]!.length)));
  const pad = (text: string, column: number) =>
    column === 0 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!);
  const lines = cells.map((line) => line.map(pad).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));
  return `${lines.join('\n')}\n`;
}

/** An example picked for showing, with its position in the test set and the score difference. */
export interface DifferingExample extends ComparedExample {
  index: number;
  /** Fine-tuned minus base on the chosen metric: positive when fine-tuning helped. */
  difference: number;
}

export interface DifferingOptions {
  by?: 'rougeL' | 'f1';
  count?: number;
}

/**
 * The examples whose scores differ most between the two models, largest absolute difference on
 * `by` first (the other metric breaks ties, then test-set order). Examples scored alike are left out.
 */
export function mostDifferentExamples(examples: readonly ComparedExample[], options: DifferingOptions = {}): DifferingExample[] {
  const by = options.by ?? 'rougeL';
  const other = by === 'rougeL' ? 'f1' : 'rougeL';
  const count = options.count ?? 5;
  const ranked = examples.map((example, index) => ({
    ...example,
    index,
    difference: example.tuned[by] - example.base[by],
    tieBreak: Math.abs(example.tuned[other] - example.base[other]),
  }));
  return ranked
    .filter((e) => e.difference !== 0 || e.tieBreak !== 0)
    .sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference) || b.tieBreak - a.tieBreak || a.index - b.index)
    .slice(0, count)
    .map(({ tieBreak: _tieBreak, ...example }) => example);
}
