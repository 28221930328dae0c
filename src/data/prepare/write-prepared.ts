import type { PreparedDataset } from './prepare-dataset.js';
import { formatPrepareMarkdown } from './prepare-markdown.js';
import { writeOutputFiles } from './write-output-files.js';

/** The files `tuna prepare` writes, in this order. */
export const PREPARED_FILES = ['train.jsonl', 'test.jsonl', 'report.json', 'report.md'] as const;

/** Writes train.jsonl, test.jsonl, report.json and report.md into `folder`, all or nothing (writeOutputFiles). */
export async function writePreparedDataset(folder: string, prepared: PreparedDataset): Promise<string[]> {
  return writeOutputFiles(folder, [
    { name: 'train.jsonl', rows: prepared.train },
    { name: 'test.jsonl', rows: prepared.test },
    { name: 'report.json', text: `${JSON.stringify(prepared.report, null, 2)}\n` },
    { name: 'report.md', text: `${formatPrepareMarkdown(prepared.report)}\n` },
  ]);
}
