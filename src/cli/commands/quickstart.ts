// The main job for a newcomer: inspect and prepare the bundled question/answer set about Tuna,
// fine-tune with LoRA, and compare the fine-tuned model with its base on held-out questions.
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { formatSummaryTable, mostDifferentExamples, summarizeComparison } from '../../eval/compare.js';
import { compareScores, findTrainingLog, readEvalExamples, scoreModel } from '../../eval/evaluate.js';
import { writeReport } from '../../eval/report.js';
import { uploadAdapter } from '../../generate/resident-adapter.js';
import { resolveModel } from '../../io/hub.js';
import { initModel } from '../../models/init-model.js';
import { CausalLM } from '../../models/model.js';
import { Runtime } from '../../runtime/runtime.js';
import { loadTokenizer } from '../../tokenizer/index.js';
import { fineTune } from '../../train/fine-tune.js';
import { defineCommand } from '../command.js';
import { ProgressBar } from '../progress.js';
import { prepareSummary, runPrepare } from './prepare.js';

export const QUICKSTART_MODEL = 'HuggingFaceTB/SmolLM2-135M-Instruct';
const EXAMPLES = fileURLToPath(new URL('../../../examples/tuna-docs.jsonl', import.meta.url));

const schema = z.object({
  out: z.string().default('tuna-quickstart').describe('Folder for the prepared data, the run and the report'),
  model: z.string().optional().describe(`Model to fine-tune (default ${QUICKSTART_MODEL}, or a tiny offline model when it cannot be had)`),
  data: z.string().optional().describe('Question/answer file to use instead of the bundled examples/tuna-docs.jsonl'),
  epochs: z.number().int().positive().optional().describe('Passes over the data (default 2 for a real model, 12 for the offline tiny model)'),
});

/** The Hub model when it is cached or downloadable, otherwise a freshly initialised tiny model. */
async function chooseModel(out: string, requested: string | undefined, log: (s: string) => void): Promise<{ dir: string; name: string; tiny: boolean }> {
  if (requested) return { dir: await resolveModel(requested), name: requested, tiny: false };
  try {
    const bar = new ProgressBar();
    const dir = await resolveModel(QUICKSTART_MODEL, {
      onProgress: (p) => bar.update({ label: `downloading ${p.file} (MB)`, step: Math.round(p.bytesDone / 1e6), total: Math.round(p.bytesTotal / 1e6) }),
    });
    bar.done();
    return { dir, name: QUICKSTART_MODEL, tiny: false };
  } catch (error) {
    log(`${QUICKSTART_MODEL} is not in the Hugging Face cache and cannot be downloaded (${(error as Error).message.split('\n')[0]}).`);
    log('Working offline: using a tiny randomly initialised model (tuna init-model) so the whole pipeline still runs.');
    log('Its answers start as noise; what to look at is how far fine-tuning moves it towards the data.\n');
    const dir = join(out, 'offline-model');
    await initModel({ arch: 'llama', preset: 'tiny', out: dir, seed: 7 });
    return { dir, name: 'tuna init-model (llama, tiny)', tiny: true };
  }
}

export const quickstart = defineCommand({
  name: 'quickstart',
  summary: 'Run the whole pipeline (inspect, prepare, LoRA fine-tune, evaluate) on a bundled example',
  schema,
  json: true,
  async run(options, ctx) {
    const out = resolve(options.out);
    const data = options.data ?? EXAMPLES;
    await access(data).catch(() => {
      throw new Error(`the example data ${data} is missing from this installation`);
    });
    const say = ctx.log;
    say('Tuna quickstart: teach a small model to answer questions about Tuna.\n');
    const model = await chooseModel(out, options.model, say);
    say(`1. Inspect and prepare ${data} (template qa, 10% held out)`);
    const prepared = await runPrepare({
      file: data, model: model.dir, template: 'qa', out: join(out, 'data'), testSize: 0.1, seed: 123, maxLength: 512,
      truncation: 'truncate', pack: false, trainOnInputs: false, skipBad: false,
    } as Parameters<typeof runPrepare>[0]);
    for (const line of prepareSummary(prepared)) say(`   ${line}`);

    const rt = new Runtime();
    try {
      say(`\n2. Fine-tune ${model.name} with LoRA`);
      const bar = new ProgressBar();
      const run = await fineTune(rt, {
        model: model.dir, data: join(out, 'data'), method: 'lora', out: join(out, 'run'),
        epochs: options.epochs ?? (model.tiny ? 12 : 2), lr: model.tiny ? 5e-3 : 2e-4, batchSize: 8, gradAccum: 1, maxLength: 512,
        loraR: model.tiny ? 32 : 16, loraAlpha: model.tiny ? 64 : 32, loraDropout: 0.05, targetModules: model.tiny ? ['all-linear'] : undefined, warmup: 0.05,
        // A random tiny model's embeddings carry no meaning yet: train them too (PEFT modules_to_save).
        modulesToSave: model.tiny ? ['embed_tokens'] : undefined,
        schedule: 'cosine', weightDecay: 0, maxGradNorm: 1, keepCheckpoints: 1, seed: 42, testSize: 0.1, quantBlocksize: 64, doubleQuant: true,
      }, {
        onLog: (line) => bar.print(() => say(`   ${line}`)),
        onStep: (m) => bar.update({ step: m.step, total: m.totalSteps, loss: m.loss, tokensPerSecond: m.tokens_per_s }),
        signal: ctx.signal,
      });
      bar.done();
      if (run.interrupted) {
        say(`interrupted; resume with: tuna train --out ${join(out, 'run')} --resume latest`);
        return 130;
      }

      say('\n3. Evaluate base vs fine-tuned on the held-out questions');
      const base = await CausalLM.load(model.dir);
      const tokenizer = await loadTokenizer(model.dir);
      const examples = await readEvalExamples(join(out, 'data', 'test.jsonl'));
      const adapter = (await uploadAdapter(rt, base, 'quickstart', run.outputDir)).adapter;
      const maxNewTokens = 96;
      const baseScores = await scoreModel(rt, base, tokenizer, examples, { maxNewTokens });
      const tunedScores = await scoreModel(rt, base, tokenizer, examples, { maxNewTokens, adapter });
      const compared = compareScores(examples, baseScores, tunedScores);
      const comparison = { examples: compared, baseLoss: baseScores.loss, tunedLoss: tunedScores.loss };
      say('');
      for (const line of formatSummaryTable(summarizeComparison(comparison), { base: 'base', tuned: 'fine-tuned' }).split('\n')) say(`   ${line}`);
      say('\n   Answers before and after:');
      for (const d of mostDifferentExamples(compared, { by: 'rougeL', count: 3 })) {
        say(`\n   Q: ${oneLine(d.prompt.replace(/^### Question:\s*/, '').replace(/\s*### Answer:\s*$/, ''))}`);
        say(`   expected:   ${oneLine(d.reference)}`);
        say(`   base:       ${oneLine(d.baseOutput) || '(nothing)'}`);
        say(`   fine-tuned: ${oneLine(d.tunedOutput) || '(nothing)'}`);
      }
      const files = await writeReport(join(out, 'report'), {
        title: 'Tuna quickstart: fine-tuned vs base', baseName: model.name, tunedName: `${model.name} + LoRA`, comparison,
        trainingLog: await findTrainingLog(run.outputDir), details: { 'Training examples': run.trainExamples, Steps: run.steps },
      });
      say(`\nDone. The adapter is in ${run.outputDir}`);
      say(`   report: ${files.filter((f) => f.endsWith('.html')).join('')}`);
      say(`   try it: tuna generate --model ${model.dir} --adapter ${run.outputDir} --template qa --prompt "What is LoRA?"`);
      say(`   or serve it: tuna serve --model ${model.dir} --adapter quickstart=${run.outputDir}`);
      if (ctx.json) {
        process.stdout.write(`${JSON.stringify({ model: model.name, adapter: run.outputDir, steps: run.steps, base: baseScores.summary, fine_tuned: tunedScores.summary, report: files })}\n`);
      }
    } finally {
      await rt.close();
    }
  },
});

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 110 ? `${t.slice(0, 109)}…` : t;
}
