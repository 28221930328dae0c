import type { DatasetReport } from '../inspect/inspect.js';
import type { PrepareReport, SplitReport } from './prepare-report.js';
import { markSample, statsRows, warningLines } from '../inspect/report-text.js';

const fence = (lines: string[]): string[] => ['```', ...lines, '```'];

function inputSection(title: string, report: DatasetReport): string[] {
  return [
    `## ${title}: ${report.file}`,
    '',
    `${report.records} records, ${report.examples} examples, format \`${report.format}\`; ${report.duplicates.count} duplicates, ` +
      `${report.problems.count} records that do not fit, ${report.skippedLines} skipped lines.`,
    '',
    ...fence([
      ...statsRows('characters', report.chars, ['prompt', 'answer', 'total']),
      ...(report.tokens ? ['', ...statsRows('tokens', report.tokens, ['prompt (not trained)', 'answer (trained)', 'total'])] : []),
    ]),
    '',
    ...fence(warningLines(report.warnings, report.unit)),
    '',
  ];
}

function splitSection(name: string, split: SplitReport): string[] {
  const { tokens, dropped } = split;
  const packing = split.packing ? ` packed into ${split.packing.rows} rows (${Math.round(split.packing.efficiency * 1000) / 10}% of their room holds tokens).` : '';
  return [
    `## ${name}.jsonl`,
    '',
    `${split.examples} examples (${split.records} lines in the file);${packing} ${split.truncated.count} truncated; left out: ` +
      `${dropped.tooLong.count} too long, ${dropped.nothingTrained.count} with nothing to train, ${dropped.renderFailed.count} not renderable.`,
    '',
    ...fence([...statsRows('tokens', tokens, ['prompt (not trained)', 'answer (trained)', 'total']), '', 'total tokens per example:', tokens.histogram]),
    '',
    ...fence(warningLines(split.warnings, 'line')),
    '',
    ...(tokens.samples.length > 0 ? ['Samples (trained text in [[double brackets]]):', ''] : []),
    ...tokens.samples.flatMap((sample) => [`Line ${sample.line}: ${sample.tokens} tokens, ${sample.trainedTokens} trained.`, '', ...fence([markSample(sample, 'brackets')]), '']),
  ];
}

/** report.md: the same facts as report.json, for people. */
export function formatPrepareMarkdown(report: PrepareReport): string {
  const s = report.settings;
  const splitBy = s.testFile ? `test file ${s.testFile}` : `test size ${s.testSize}, seed ${s.seed}`;
  return [
    '# Prepared data',
    '',
    `Model ${s.model ?? '(not named)'}, template \`${s.template}\`, max length ${s.maxLength} (${s.truncation}), ` +
      `${s.pack ? 'packed' : 'not packed'}, ${s.trainOnInputs ? 'training on every token' : 'training on answers only'}; ${splitBy}.`,
    '',
    `Split: ${report.split.train} train and ${report.split.test} test examples after removing ${report.split.duplicatesRemoved} duplicates` +
      (report.split.removedFromTrain > 0 ? ` and ${report.split.removedFromTrain} train examples also in the test file.` : '.'),
    '',
    ...inputSection('Input', report.input),
    ...(report.testInput ? inputSection('Test input', report.testInput) : []),
    ...splitSection('train', report.train),
    ...splitSection('test', report.test),
  ].join('\n');
}
