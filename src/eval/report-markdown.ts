// report.md: the same content as report.html, readable raw in a terminal and rendered on forges.
import { summaryCells } from './compare.js';
import type { DifferingExample } from './compare.js';
import { fencedBlock, markdownInline, markdownTable } from './markdown-text.js';
import { METRIC_NAMES, signedDifference } from './report-content.js';
import type { ReportContent } from './report-content.js';

/** The loss chart file written next to report.md, which links to it. */
export const LOSS_CHART_FILE = 'loss.svg';

function exampleSection(example: DifferingExample, rank: number, by: 'rougeL' | 'f1'): string {
  const scores = (side: 'base' | 'tuned' | 'prompted') =>
    `ROUGE-L ${example[side]!.rougeL.toFixed(3)}, F1 ${example[side]!.f1.toFixed(3)}, exact match ${example[side]!.exactMatch}`;
  return [
    `### ${rank}. Example ${example.index + 1}: ${METRIC_NAMES[by]} ${signedDifference(example.difference)}`,
    '**Prompt**',
    fencedBlock(example.prompt),
    '**Reference**',
    fencedBlock(example.reference),
    `**Base** (${scores('base')})`,
    fencedBlock(example.baseOutput),
    ...(example.prompted ? [`**Prompted** (${scores('prompted')})`, fencedBlock(example.promptedOutput ?? '')] : []),
    `**Fine-tuned** (${scores('tuned')})`,
    fencedBlock(example.tunedOutput),
  ].join('\n\n');
}

function summaryMarkdown(rows: ReportContent['rows']): string {
  const cells = summaryCells(rows);
  return markdownTable(cells, cells[0]!.map((_, column) => column > 0));
}

/** The whole report as Markdown text. */
export function renderReportMarkdown(content: ReportContent): string {
  const parts = [
    `# ${markdownInline(content.title)}`,
    content.facts.map(([label, value]) => `- ${markdownInline(label)}: ${markdownInline(value)}`).join('\n'),
    '## Summary',
    summaryMarkdown(content.rows),
  ];
  if (content.hasLossCurve) parts.push('## Training loss', `![Training loss by step](${LOSS_CHART_FILE})`);
  parts.push(`## Where the models differ most (by ${METRIC_NAMES[content.differingBy]})`);
  if (content.differing.length === 0) parts.push('Both models scored the same on every example.');
  content.differing.forEach((example, i) => parts.push(exampleSection(example, i + 1, content.differingBy)));
  return `${parts.join('\n\n')}\n`;
}
