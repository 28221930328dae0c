// `tuna prepare FILE --model M --out DIR`: render, tokenize, mask, split (and pack) a data file into
// train.jsonl and test.jsonl with a report, written all at once so a failure leaves nothing half-done.
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { TunaInputError } from '../../errors.js';
import {
  DATASET_FORMATS,
  DEFAULT_SEED,
  DEFAULT_TEST_SIZE,
  TRUNCATION_POLICIES,
  modelFolder,
  parseColumnMap,
  prepareInMemory,
  writePreparedDataset,
} from '../../data/index.js';
import type { PrepareReport } from '../../data/index.js';
import { loadTokenizer } from '../../tokenizer/index.js';
import { eosRowWarnings } from '../../train/eos-reachability.js';
import { defineCommand } from '../command.js';

export const prepareSchema = z.object({
  file: z.string().min(1).describe('data file: .jsonl, .json, .csv or .parquet'),
  model: z.string().min(1).describe('model folder or Hub id; its tokenizer and chat template are used'),
  template: z.string().min(1).optional().describe('qa, alpaca, plain, chat or a template file (default: chosen by the data format)'),
  out: z.string().min(1).describe('output folder for train.jsonl, test.jsonl, report.json and report.md'),
  testSize: z.number().min(0).default(DEFAULT_TEST_SIZE).describe('test share in (0, 1), or a whole number of examples; 0 for none'),
  testFile: z.string().min(1).optional().describe('use this file as the test set instead of splitting'),
  seed: z.number().int().default(DEFAULT_SEED).describe('seed of the train/test shuffle'),
  maxLength: z.number().int().min(2).optional().describe("most tokens per example (per packed row with --pack); default: the model's max_position_embeddings, at most 2048"),
  truncation: z.enum(TRUNCATION_POLICIES).default('drop').describe('longer examples: drop them, or truncate them to --max-length'),
  pack: z.boolean().default(false).describe('pack several train examples per row (position and segment ids keep them apart)'),
  trainOnInputs: z.boolean().default(false).describe('train on the prompt tokens too, not only on the answers'),
  format: z.enum(DATASET_FORMATS).optional().describe('data format (default: detected from the first records)'),
  map: z.array(z.string()).optional().describe('rename columns before detection: field=column ...'),
  skipBad: z.boolean().default(false).describe('skip malformed lines (counted) instead of failing'),
});

export type PrepareCommandOptions = z.infer<typeof prepareSchema>;

/** Everything `tuna prepare` does, as a library call; resolves to the report and the written paths. */
export async function runPrepare(options: PrepareCommandOptions): Promise<{ report: PrepareReport; files: string[] }> {
  const out = await stat(options.out).catch(() => undefined);
  if (out && !out.isDirectory()) throw new TunaInputError(`--out ${options.out}: is a file; give a folder (it is created if missing).`);
  const prepared = await prepareInMemory(options.file, {
    model: options.model,
    template: options.template,
    format: options.format,
    map: parseColumnMap(options.map ?? []),
    skipBad: options.skipBad,
    testSize: options.testSize,
    testFile: options.testFile,
    seed: options.seed,
    maxLength: options.maxLength,
    truncation: options.truncation,
    pack: options.pack,
    trainOnInputs: options.trainOnInputs,
  });
  // The weights are read here, not in prepareInMemory: the data layer knows tokenizers, not models.
  const folder = await modelFolder(options.model);
  const train = prepared.report.train;
  train.warnings.push(...await eosRowWarnings(folder, train.tokens.trainedEndIds, await loadTokenizer(folder)));
  const files = await writePreparedDataset(options.out, prepared);
  return { report: prepared.report, files };
}

/** A few lines on what was written, and every warning about the written files. */
export function prepareSummary({ report, files }: { report: PrepareReport; files: string[] }): string[] {
  const { train, test } = report;
  const rows = train.packing ? ` in ${train.packing.rows} packed rows (${Math.round(train.packing.efficiency * 1000) / 10}% full)` : '';
  const left = (s: typeof train) => s.dropped.tooLong.count + s.dropped.nothingTrained.count + s.dropped.renderFailed.count;
  return [
    `train: ${train.examples} examples${rows}, ${train.tokens.total.count > 0 ? `${train.tokens.total.p50} tokens median` : 'no tokens'}, ${train.truncated.count} truncated, ${left(train)} left out`,
    `test: ${test.examples} examples, ${test.truncated.count} truncated, ${left(test)} left out`,
    `duplicates removed before the split: ${report.split.duplicatesRemoved}`,
    ...[...report.input.warnings, ...train.warnings, ...test.warnings].map((w) => `warning [${w.code}]: ${w.message}`),
    `wrote ${files.join(', ')}`,
  ];
}

export const prepareCommand = defineCommand({
  name: 'prepare',
  summary: 'Render, tokenize, mask and split a data file into train.jsonl and test.jsonl with a report',
  args: [{ name: 'file', required: true }],
  schema: prepareSchema,
  json: true,
  async run(options, ctx) {
    const result = await runPrepare(options);
    if (ctx.json) process.stdout.write(`${JSON.stringify({ files: result.files, report: result.report })}\n`);
    else prepareSummary(result).forEach((line) => ctx.log(line));
  },
});
