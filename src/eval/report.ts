// Writes an evaluation report folder: report.md, report.html and, with a training log, loss.svg.
import { writeOutputFiles } from '../data/prepare/write-output-files.js';
import type { OutputFile } from '../data/prepare/write-output-files.js';
import { lossCurveSvg } from './loss-chart.js';
import { reportContent } from './report-content.js';
import type { ReportInput } from './report-content.js';
import { renderReportHtml } from './report-html.js';
import { LOSS_CHART_FILE, renderReportMarkdown } from './report-markdown.js';

export type { ReportInput } from './report-content.js';

/** The report as files, without writing them (report.md, report.html, loss.svg when there is a curve). */
export function renderReport(input: ReportInput): OutputFile[] {
  const content = reportContent(input);
  const trainingLog = input.trainingLog ?? [];
  const files: OutputFile[] = [
    { name: 'report.md', text: renderReportMarkdown(content) },
    { name: 'report.html', text: renderReportHtml(content, trainingLog) },
  ];
  if (content.hasLossCurve) files.push({ name: LOSS_CHART_FILE, text: lossCurveSvg(trainingLog, { width: 720, height: 320 }) });
  return files;
}

/**
 * Writes the report into `folder` (created if needed). Each file goes to a temp name and is
 * renamed into place only when all are complete. Resolves to the written paths.
 */
export async function writeReport(folder: string, input: ReportInput): Promise<string[]> {
  return writeOutputFiles(folder, renderReport(input));
}
