import type { DatasetReport } from './dataset-report.js';
import type { LengthReport, LengthStats } from './length-stats.js';
import type { TokenReport, TokenSample } from './token-inspector.js';
import type { DatasetWarning } from './warnings.js';

/** How trained text is marked in samples: ANSI colour on a terminal, `[[...]]` elsewhere. */
export type TrainedMarker = 'ansi' | 'brackets';

const GREEN = '\x1b[32;4m';
const RESET = '\x1b[0m';

/** The text of a sample with its trained parts marked. */
export function markSample(sample: TokenSample, marker: TrainedMarker): string {
  return sample.parts
    .map((part) => {
      if (!part.trained) return part.text;
      return marker === 'ansi' ? `${GREEN}${part.text}${RESET}` : `[[${part.text}]]`;
    })
    .join('');
}

const STATS_COLUMNS = ['min', 'p50', 'p95', 'max', 'mean'] as const;

/** Aligned rows `label  min p50 p95 max mean` for the three lengths of a report. */
export function statsRows(title: string, lengths: LengthReport, labels: [string, string, string]): string[] {
  const rows: [string, LengthStats][] = [
    [labels[0], lengths.prompt],
    [labels[1], lengths.answer],
    [labels[2], lengths.total],
  ];
  const width = Math.max(title.length, ...labels.map((l) => l.length + 2));
  const cell = (value: string | number) => String(value).padStart(8);
  return [
    title.padEnd(width) + STATS_COLUMNS.map(cell).join(''),
    ...rows.map(([label, stats]) => `  ${label}`.padEnd(width) + STATS_COLUMNS.map((c) => cell(stats[c])).join('')),
  ];
}

export function warningLines(warnings: readonly DatasetWarning[], unit: string): string[] {
  if (warnings.length === 0) return ['no warnings'];
  return [
    'warnings:',
    ...warnings.map((w) => `  - [${w.code}] ${w.message}${w.lines.length === 0 ? '' : ` (${unit}${w.lines.length > 1 ? 's' : ''} ${w.lines.join(', ')}${w.count > w.lines.length ? ', ...' : ''})`}`),
  ];
}

export function tokenLines(tokens: TokenReport, marker: TrainedMarker): string[] {
  const legend = marker === 'ansi' ? 'trained text underlined in green' : 'trained text in [[double brackets]]';
  return [
    ...statsRows(`tokens (template ${tokens.template})`, tokens, ['prompt (not trained)', 'answer (trained)', 'total']),
    '',
    'total tokens per example:',
    ...tokens.histogram.split('\n').map((line) => `  ${line}`),
    '',
    `${tokens.overMaxLength} of ${tokens.total.count} examples are longer than --max-length ${tokens.maxLength}.`,
    '',
    `samples (${legend}):`,
    ...tokens.samples.flatMap((sample) => [
      `--- ${sample.line > 0 ? `line ${sample.line}: ` : ''}${sample.tokens} tokens, ${sample.trainedTokens} trained`,
      markSample(sample, marker),
    ]),
  ];
}

/** The human-readable form of an inspection, as `tuna inspect` prints it. */
export function formatInspection(report: DatasetReport, marker: TrainedMarker): string {
  const fields = report.fields.map((f) => `${f.name} ${Math.round(f.fillRate * 1000) / 10}%`).join(', ');
  const lines = [
    `${report.file}: ${report.records} records, ${report.examples} examples, format ${report.format}`,
    `fields filled: ${fields || '(none)'}`,
    `duplicates: ${report.duplicates.count}, records that do not fit: ${report.problems.count}, skipped lines: ${report.skippedLines}`,
    '',
    ...statsRows('characters', report.chars, ['prompt', 'answer', 'total']),
    '',
    ...(report.tokens ? tokenLines(report.tokens, marker) : ['(pass --model to see token counts, samples and the trained tokens)']),
    '',
    ...warningLines(report.warnings, report.unit),
  ];
  return lines.join('\n');
}
