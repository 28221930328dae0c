// report.html: one self-contained page (inline CSS and SVG, no scripts, nothing fetched).
import { changeDirection, formatChange, formatMetricValue, hasPromptedColumn } from './compare.js';
import type { DifferingExample, SummaryRow } from './compare.js';
import { escapeMarkup } from './escape-markup.js';
import { lossCurveSvg } from './loss-chart.js';
import type { LossCurvePoint } from './loss-chart.js';
import { METRIC_NAMES, signedDifference } from './report-content.js';
import type { ReportContent } from './report-content.js';

const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #111827; margin: 0; background: #f9fafb; }
main { max-width: 1000px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 8px; } h2 { margin-top: 32px; font-size: 1.25em; } h3 { font-size: 1.05em; margin: 0 0 8px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: #6b7280; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table.summary { border-collapse: collapse; background: #fff; }
table.summary th, table.summary td { padding: 6px 14px; border-bottom: 1px solid #e5e7eb; text-align: right; font-variant-numeric: tabular-nums; }
table.summary th:first-child, table.summary td:first-child { text-align: left; }
td.better { color: #15803d; } td.worse { color: #b91c1c; }
figure { margin: 0; } figure svg { max-width: 100%; height: auto; border: 1px solid #e5e7eb; }
section.example { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 16px; margin: 16px 0; }
.label { font-weight: 600; font-size: 0.85em; color: #374151; margin: 10px 0 4px; }
.outputs { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; } .outputs.three { grid-template-columns: 1fr 1fr 1fr; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; padding: 8px 10px; background: #f3f4f6; border-radius: 4px;
  font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.scores { color: #6b7280; font-weight: normal; }
`;

function summaryTable(rows: readonly SummaryRow[]): string {
  const prompted = hasPromptedColumn(rows);
  const body = rows.map(
    (row) =>
      `<tr><td>${escapeMarkup(row.label)}</td><td>${formatMetricValue(row.metric, row.base)}</td>` +
      (prompted ? `<td>${formatMetricValue(row.metric, row.prompted ?? NaN)}</td>` : '') +
      `<td>${formatMetricValue(row.metric, row.tuned)}</td><td class="${changeDirection(row)}">${formatChange(row)}</td></tr>`,
  );
  const head = `<thead><tr><th>Metric</th><th>Base</th>${prompted ? '<th>Prompted</th>' : ''}<th>Fine-tuned</th><th>Change</th></tr></thead>`;
  return `<table class="summary">\n${head}\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>`;
}

function block(label: string, text: string, scores = ''): string {
  const note = scores ? ` <span class="scores">${scores}</span>` : '';
  return `<div><div class="label">${label}${note}</div><pre>${escapeMarkup(text)}</pre></div>`;
}

function exampleSection(example: DifferingExample, rank: number, by: 'rougeL' | 'f1'): string {
  const scores = (side: 'base' | 'tuned' | 'prompted') =>
    `ROUGE-L ${example[side]!.rougeL.toFixed(3)} · F1 ${example[side]!.f1.toFixed(3)} · EM ${example[side]!.exactMatch}`;
  return [
    `<section class="example">`,
    `<h3>${rank}. Example ${example.index + 1}: ${METRIC_NAMES[by]} ${signedDifference(example.difference)}</h3>`,
    block('Prompt', example.prompt),
    block('Reference', example.reference),
    `<div class="outputs${example.prompted ? ' three' : ''}">`,
    block('Base', example.baseOutput, scores('base')),
    ...(example.prompted ? [block('Prompted', example.promptedOutput ?? '', scores('prompted'))] : []),
    block('Fine-tuned', example.tunedOutput, scores('tuned')),
    `</div>`,
    `</section>`,
  ].join('\n');
}

/** The whole report as one HTML page; `trainingLog` draws the loss chart when the content has one. */
export function renderReportHtml(content: ReportContent, trainingLog: readonly LossCurvePoint[] = []): string {
  const title = escapeMarkup(content.title);
  const facts = content.facts.map(([label, value]) => `<dt>${escapeMarkup(label)}</dt><dd>${escapeMarkup(value)}</dd>`).join('\n');
  const parts = [
    `<!doctype html>`,
    `<html lang="en">`,
    `<head>`,
    `<meta charset="utf-8">`,
    // Nothing in the page may load or run anything, even if escaping were ever bypassed.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${title}</title>`,
    `<style>${STYLE}</style>`,
    `</head>`,
    `<body>`,
    `<main>`,
    `<h1>${title}</h1>`,
    `<dl class="facts">\n${facts}\n</dl>`,
    `<h2>Summary</h2>`,
    summaryTable(content.rows),
  ];
  if (content.hasLossCurve) {
    parts.push(`<h2>Training loss</h2>`, `<figure>\n${lossCurveSvg(trainingLog, { width: 720, height: 320, title: 'Training loss' })}</figure>`);
  }
  parts.push(`<h2>Where the models differ most (by ${METRIC_NAMES[content.differingBy]})</h2>`);
  if (content.differing.length === 0) parts.push('<p>Both models scored the same on every example.</p>');
  content.differing.forEach((example, i) => parts.push(exampleSection(example, i + 1, content.differingBy)));
  parts.push(`</main>`, `</body>`, `</html>`);
  return `${parts.join('\n')}\n`;
}
