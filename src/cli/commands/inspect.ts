// `tuna inspect FILE`: what a data file holds, before any training: records, fields, duplicates,
// lengths, and with --model the tokens, samples with the trained text marked, and the known traps.
import { z } from 'zod';
import { DATASET_FORMATS, chooseMaxLength, formatInspection, inspectFile, modelFolder, modelPositions, parseColumnMap, readTemplateOption } from '../../data/index.js';
import { loadTokenizer } from '../../tokenizer/index.js';
import { eosRowWarnings } from '../../train/eos-reachability.js';
import type { DatasetReport, TrainedMarker } from '../../data/index.js';
import { defineCommand } from '../command.js';

export const inspectSchema = z.object({
  file: z.string().min(1).describe('data file: .jsonl, .json, .csv or .parquet'),
  model: z.string().min(1).optional().describe('model folder or Hub id; its tokenizer counts tokens and renders chats'),
  template: z.string().min(1).optional().describe('qa, alpaca, plain, chat or a template file (default: chosen by the data format)'),
  format: z.enum(DATASET_FORMATS).optional().describe('data format (default: detected from the first records)'),
  map: z.array(z.string()).optional().describe('rename columns before detection: field=column ...'),
  maxLength: z.number().int().min(2).optional().describe("count the examples longer than this many tokens; default: the model's max_position_embeddings, at most 2048"),
  trainOnInputs: z.boolean().default(false).describe('count prompt tokens as trained, as prepare --train-on-inputs does'),
  skipBad: z.boolean().default(false).describe('skip malformed lines (counted) instead of failing'),
});

export type InspectCommandOptions = z.infer<typeof inspectSchema>;

/** Everything `tuna inspect` does, as a library call: a streaming inspection of the file. */
export async function runInspect(options: InspectCommandOptions): Promise<DatasetReport> {
  const template = await readTemplateOption(options.template);
  const folder = options.model ? await modelFolder(options.model) : undefined;
  const tokenizer = folder ? await loadTokenizer(folder) : undefined;
  const { maxLength, warning } = chooseMaxLength(options.maxLength, folder ? await modelPositions(folder) : null);
  const report = await inspectFile(options.file, {
    skipBad: options.skipBad,
    map: parseColumnMap(options.map ?? []),
    format: options.format,
    template,
    tokenizer,
    maxLength,
    trainOnInputs: options.trainOnInputs,
  });
  if (warning) report.warnings.unshift({ code: 'above-model-positions', message: warning, count: 1, lines: [] });
  if (folder && tokenizer && report.tokens) report.warnings.push(...await eosRowWarnings(folder, report.tokens.trainedEndIds, tokenizer));
  return report;
}

/** ANSI colour only for a terminal, and never when NO_COLOR is set. */
export function trainedMarker(stream: { isTTY?: boolean }): TrainedMarker {
  return stream.isTTY && !process.env.NO_COLOR ? 'ansi' : 'brackets';
}

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: 'Show what a data file holds: records, fields, duplicates, lengths, token counts and samples',
  args: [{ name: 'file', required: true }],
  schema: inspectSchema,
  json: true,
  async run(options, ctx) {
    const report = await runInspect(options);
    if (ctx.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else ctx.log(formatInspection(report, trainedMarker(process.stdout)));
  },
});
