import { z } from 'zod';
import { compareScores, findTrainingLog, readEvalExamples, scoreModel, type ModelScores } from '../../eval/evaluate.js';
import { formatSummaryTable, mostDifferentExamples, summarizeComparison } from '../../eval/compare.js';
import { writeReport } from '../../eval/report.js';
import { uploadAdapter } from '../../generate/resident-adapter.js';
import { resolveModel } from '../../io/hub.js';
import { CausalLM } from '../../models/model.js';
import { Runtime } from '../../runtime/runtime.js';
import { loadTokenizer } from '../../tokenizer/index.js';
import { UsageError } from '../errors.js';
import { defineCommand } from '../command.js';

const schema = z.object({
  model: z.string().describe('Model folder or Hub id (the base when --adapter is given)'),
  adapter: z.string().optional().describe('LoRA adapter folder to evaluate on top of --model'),
  data: z.string().describe('Held-out examples: test.jsonl (or a folder) written by `tuna prepare`'),
  compareBase: z.boolean().default(false).describe('Also run the base model on the same prompts and compare'),
  base: z.string().optional().describe('Base model to compare against when --model is itself fine-tuned (no --adapter)'),
  maxNewTokens: z.number().int().positive().default(128).describe('Longest generated answer in tokens'),
  limit: z.number().int().positive().optional().describe('Evaluate only the first N examples'),
  out: z.string().optional().describe('Folder for report.md and report.html'),
});

type Summary = ModelScores['summary'];

export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'Evaluate a fine-tuned model on held-out data, optionally against its base',
  schema,
  json: true,
  async run(options, ctx) {
    if (options.compareBase && !options.adapter && !options.base) {
      throw new UsageError('--compare-base needs a base: give --adapter (its base is --model) or --base for a fully fine-tuned --model');
    }
    const rt = new Runtime();
    try {
      const examples = await readEvalExamples(options.data, options.limit);
      const modelDir = await resolveModel(options.model);
      const model = await CausalLM.load(modelDir);
      const tokenizer = await loadTokenizer(modelDir);
      const adapter = options.adapter ? (await uploadAdapter(rt, model, 'tuned', options.adapter)).adapter : undefined;
      const progress = (label: string) => (done: number) => ctx.log(`${label}: ${done}/${examples.length} answers`);
      ctx.log(`evaluating on ${examples.length} examples`);
      const tuned = await scoreModel(rt, model, tokenizer, examples, { maxNewTokens: options.maxNewTokens, adapter, onProgress: progress('fine-tuned') });
      let base: ModelScores | null = null;
      if (options.compareBase) {
        const baseModel = options.adapter ? model : await CausalLM.load(await resolveModel(options.base!));
        const baseTokenizer = options.adapter ? tokenizer : await loadTokenizer(await resolveModel(options.base!));
        base = await scoreModel(rt, baseModel, baseTokenizer, examples, { maxNewTokens: options.maxNewTokens, onProgress: progress('base') });
      }
      const tunedName = options.adapter ? `${options.model} + ${options.adapter}` : options.model;
      const baseName = options.adapter ? options.model : options.base ?? '';
      const result: Record<string, unknown> = { examples: examples.length, fine_tuned: snake(tuned.summary) };
      if (base) {
        const compared = compareScores(examples, base, tuned);
        const comparison = { examples: compared, baseLoss: base.loss, tunedLoss: tuned.loss };
        ctx.log('');
        ctx.log(formatSummaryTable(summarizeComparison(comparison), { base: 'base', tuned: 'fine-tuned' }));
        const differing = mostDifferentExamples(compared, { by: 'rougeL', count: 3 });
        for (const d of differing) {
          ctx.log(`\n#${d.index + 1} ${oneLine(d.prompt, 100)}\n  reference:  ${oneLine(d.reference, 100)}\n  base:       ${oneLine(d.baseOutput, 100)}\n  fine-tuned: ${oneLine(d.tunedOutput, 100)}`);
        }
        result.base = snake(base.summary);
        if (options.out) {
          const trainingLog = await findTrainingLog(options.adapter ?? modelDir);
          const files = await writeReport(options.out, {
            title: 'Fine-tuned vs base', baseName, tunedName, comparison, trainingLog,
            details: { 'Max new tokens': options.maxNewTokens, Data: options.data },
          });
          ctx.log(`\nreport: ${files.join(', ')}`);
          result.report = files;
        }
      } else {
        const s = tuned.summary;
        ctx.log(`loss ${s.loss.toFixed(4)}  perplexity ${s.perplexity.toFixed(2)}  exact match ${(100 * s.exactMatch).toFixed(1)}%  F1 ${(100 * s.f1).toFixed(1)}%  ROUGE-L ${(100 * s.rougeL).toFixed(1)}%`);
        if (options.out) ctx.log('(--out writes a report with --compare-base)');
      }
      if (ctx.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await rt.close();
    }
  },
});

const oneLine = (s: string, n: number) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

function snake(s: Summary) {
  return { loss: s.loss, perplexity: s.perplexity, exact_match: s.exactMatch, f1: s.f1, rouge_l: s.rougeL };
}
