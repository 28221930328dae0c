import { z } from 'zod';
import { compareScores, findTrainingLog, readEvalExamples, scoreModel, type ModelScores } from '../../eval/evaluate.js';
import { formatSummaryTable, mostDifferentExamples, summarizeComparison } from '../../eval/compare.js';
import { fewShotExamples, promptedAnswers } from '../../eval/prompt-baseline.js';
import { writeReport } from '../../eval/report.js';
import { ChatEndpoint } from '../../endpoint/client.js';
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
  base: z.string().optional().describe('Base model to compare against when --model is itself fine-tuned (no --adapter); implies --compare-base'),
  promptBaseline: z.string().optional().describe('OpenAI-compatible endpoint URL of a prompted large model to score as a third column (implies --compare-base)'),
  baselineModel: z.string().optional().describe('Model name at --prompt-baseline'),
  baselineSystem: z.string().optional().describe('System message for the prompted model'),
  fewShot: z.number().int().nonnegative().default(0).describe('Solved examples from the train split shown to the prompted model before each question'),
  baselineApiKeyEnv: z.string().default('OPENAI_API_KEY').describe('Environment variable holding the API key for --prompt-baseline (unset is fine for local servers)'),
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
    if (options.promptBaseline && !options.baselineModel) throw new UsageError('--prompt-baseline needs --baseline-model NAME (the model the endpoint serves)');
    if (!options.promptBaseline && (options.baselineModel || options.baselineSystem || options.fewShot > 0)) {
      throw new UsageError('--baseline-model, --baseline-system and --few-shot describe the prompted model: give --prompt-baseline URL too');
    }
    const compareBase = options.compareBase || options.base !== undefined || options.promptBaseline !== undefined;
    if (compareBase && !options.adapter && !options.base) {
      const flag = options.promptBaseline ? '--prompt-baseline' : '--compare-base';
      throw new UsageError(`${flag} needs a base: give --adapter (its base is --model) or --base for a fully fine-tuned --model`);
    }
    const rt = new Runtime();
    try {
      const examples = await readEvalExamples(options.data, options.limit);
      // The endpoint is checked before any local work, so a wrong URL, key or model fails at once.
      const endpoint = options.promptBaseline
        ? new ChatEndpoint({ url: options.promptBaseline, model: options.baselineModel!, apiKey: process.env[options.baselineApiKeyEnv] || undefined,
          flags: { model: '--baseline-model', apiKeyEnv: '--baseline-api-key-env' } })
        : undefined;
      await endpoint?.check();
      const shots = endpoint && options.fewShot > 0 ? await fewShotExamples(options.data, options.fewShot) : [];
      const modelDir = await resolveModel(options.model);
      const model = await CausalLM.load(modelDir);
      const tokenizer = await loadTokenizer(modelDir);
      const adapter = options.adapter ? (await uploadAdapter(rt, model, 'tuned', options.adapter)).adapter : undefined;
      const progress = (label: string) => (done: number) => ctx.log(`${label}: ${done}/${examples.length} answers`);
      ctx.log(`evaluating on ${examples.length} examples`);
      const tuned = await scoreModel(rt, model, tokenizer, examples, { maxNewTokens: options.maxNewTokens, adapter, onProgress: progress('fine-tuned') });
      let base: ModelScores | null = null;
      if (compareBase) {
        const baseModel = options.adapter ? model : await CausalLM.load(await resolveModel(options.base!));
        const baseTokenizer = options.adapter ? tokenizer : await loadTokenizer(await resolveModel(options.base!));
        base = await scoreModel(rt, baseModel, baseTokenizer, examples, { maxNewTokens: options.maxNewTokens, onProgress: progress('base') });
      }
      const prompted = endpoint
        ? await promptedAnswers(endpoint, examples, { system: options.baselineSystem, shots, maxTokens: options.maxNewTokens, onProgress: progress('prompted') })
        : undefined;
      const promptedName = endpoint ? `${endpoint.model} at ${endpoint.baseUrl}${shots.length > 0 ? ` (${shots.length}-shot)` : ' (zero-shot)'}` : undefined;
      const tunedName = options.adapter ? `${options.model} + ${options.adapter}` : options.model;
      const baseName = options.adapter ? options.model : options.base ?? '';
      const result: Record<string, unknown> = { examples: examples.length, fine_tuned: snake(tuned.summary) };
      if (base) {
        const compared = compareScores(examples, base, tuned, prompted);
        const comparison = { examples: compared, baseLoss: base.loss, tunedLoss: tuned.loss };
        ctx.log('');
        ctx.log(formatSummaryTable(summarizeComparison(comparison), { base: 'base', tuned: 'fine-tuned', prompted: 'prompted' }));
        const differing = mostDifferentExamples(compared, { by: 'rougeL', count: 3 });
        for (const d of differing) {
          const promptedLine = d.promptedOutput !== undefined ? `\n  prompted:   ${oneLine(d.promptedOutput, 100)}` : '';
          ctx.log(`\n#${d.index + 1} ${oneLine(d.prompt, 100)}\n  reference:  ${oneLine(d.reference, 100)}\n  base:       ${oneLine(d.baseOutput, 100)}${promptedLine}\n  fine-tuned: ${oneLine(d.tunedOutput, 100)}`);
        }
        result.base = snake(base.summary);
        if (prompted) {
          const rows = summarizeComparison(comparison);
          const value = (metric: string) => rows.find((r) => r.metric === metric)?.prompted ?? NaN;
          result.prompted = { model: options.baselineModel, url: endpoint!.baseUrl, few_shot: shots.length, exact_match: value('exactMatch'), f1: value('f1'), rouge_l: value('rougeL') };
        }
        if (options.out) {
          const trainingLog = await findTrainingLog(options.adapter ?? modelDir);
          const files = await writeReport(options.out, {
            title: prompted ? 'Fine-tuned vs base vs prompted' : 'Fine-tuned vs base', baseName, tunedName, comparison, trainingLog,
            ...(promptedName ? { promptedName } : {}),
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
