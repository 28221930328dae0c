// What both report formats show, worked out once so report.md and report.html always agree.
import { mostDifferentExamples, summarizeComparison } from './compare.js';
import type { Comparison, DifferingExample, DifferingOptions, SummaryRow } from './compare.js';
import type { LossCurvePoint } from './loss-chart.js';

export interface ReportInput {
  /** Heading of the report; "Evaluation" when not given. */
  title?: string;
  /** How each model is named in the report (a model id, an adapter folder). */
  baseName: string;
  tunedName: string;
  /** The prompted large model (`eval --prompt-baseline`): endpoint and model name. */
  promptedName?: string;
  comparison: Comparison;
  /** Which examples to show: by ROUGE-L or F1 difference, how many (ROUGE-L, 5 by default). */
  differing?: DifferingOptions;
  /** The training run's metrics.jsonl lines, for the loss chart. */
  trainingLog?: readonly LossCurvePoint[];
  /** Further facts listed under the title, e.g. {"Max new tokens": 128}. */
  details?: Readonly<Record<string, string | number>>;
}

export interface ReportContent {
  title: string;
  facts: [label: string, value: string][];
  rows: SummaryRow[];
  differingBy: 'rougeL' | 'f1';
  differing: DifferingExample[];
  /** Whether the training log holds any loss value worth a chart. */
  hasLossCurve: boolean;
}

export const METRIC_NAMES = { rougeL: 'ROUGE-L', f1: 'F1' } as const;

export function reportContent(input: ReportInput): ReportContent {
  const differingBy = input.differing?.by ?? 'rougeL';
  const facts: [string, string][] = [
    ['Base model', input.baseName],
    ['Fine-tuned model', input.tunedName],
    ...(input.promptedName ? [['Prompted baseline', input.promptedName] as [string, string]] : []),
    ['Test examples', String(input.comparison.examples.length)],
    ...Object.entries(input.details ?? {}).map(([label, value]): [string, string] => [label, String(value)]),
  ];
  return {
    title: input.title ?? 'Evaluation',
    facts,
    rows: summarizeComparison(input.comparison),
    differingBy,
    differing: mostDifferentExamples(input.comparison.examples, { ...input.differing, by: differingBy }),
    hasLossCurve: (input.trainingLog ?? []).some((line) => typeof line.loss === 'number' || typeof line.eval_loss === 'number'),
  };
}

/** "+0.450" style difference with three decimals. */
export function signedDifference(value: number): string {
  const text = value.toFixed(3);
  return value > 0 ? `+${text}` : text.replace(/^-(?=0\.000$)/, '');
}
