// `tuna eval` as a library call: teacher-forced loss and perplexity on held-out examples, greedy
// answers scored by exact match, token F1 and ROUGE-L, and optionally the same for the base
// model with the same prompts, so fine-tuning is measured against prompting the base.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TunaInputError } from '../errors.js';
import { generateTokens } from '../generate/generator.js';
import type { CausalLM, ForwardAdapter } from '../models/model.js';
import type { Feed, Runtime } from '../runtime/runtime.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { collate, planEpoch, type TrainExample } from '../train/batching.js';
import { buildMicroStep } from '../train/step-graphs.js';
import { readJsonlLines } from '../train/data.js';
import { compareOutputs, type ComparedExample } from './compare.js';
import type { LossTotals } from './aggregate.js';
import { readMetricsLog, type TrainingLogLine } from './metrics-log.js';
import { mean } from './aggregate.js';
import { scoreOutput, type ExampleMetrics } from './score-output.js';

export interface EvalExample {
  prompt: string;
  reference: string;
  /** The conversation before the reference, untemplated (`prompt_messages`, when prepare wrote it). */
  messages?: { role: string; content: string }[];
  inputIds: number[];
  labels: number[];
}

/** Reads prepared records (test.jsonl, or a prepare folder's test.jsonl). */
export async function readEvalExamples(path: string, limit?: number): Promise<EvalExample[]> {
  let file = path;
  if ((await stat(path).catch(() => null))?.isDirectory()) file = join(path, 'test.jsonl');
  const out: EvalExample[] = [];
  try {
    for await (const { record: r, line: n } of readJsonlLines(file)) {
      if (typeof r.prompt !== 'string' || typeof r.reference !== 'string' || !Array.isArray(r.input_ids) || !Array.isArray(r.labels)) {
        throw new TunaInputError(`${file}:${n}: needs "prompt", "reference", "input_ids" and "labels" as \`tuna prepare\` writes them (packed files cannot be evaluated)`);
      }
      const messages = Array.isArray(r.prompt_messages) ? (r.prompt_messages as { role: string; content: string }[]) : undefined;
      out.push({ prompt: r.prompt, reference: r.reference, ...(messages ? { messages } : {}), inputIds: r.input_ids as number[], labels: r.labels as number[] });
      if (limit && out.length >= limit) break;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new TunaInputError(`--data ${file}: no such file; pass test.jsonl written by \`tuna prepare\``);
    throw e;
  }
  if (out.length === 0) throw new TunaInputError(`--data ${file}: no examples`);
  return out;
}

/** Summed token NLL and target count with the model (and adapter) over the examples. */
export async function teacherForcedLoss(
  rt: Runtime, model: CausalLM, examples: TrainExample[], adapter?: ForwardAdapter, batchSize = 4,
): Promise<LossTotals> {
  const weights = Object.fromEntries(await model.residentWeights(rt));
  const pad = model.config.padTokenId ?? 0;
  let nll = 0;
  let tokens = 0;
  const compiled = new Map<string, Promise<import('../runtime/runtime.js').Executable>>();
  for (const batch of planEpoch(examples.map((e) => e.inputIds.length), batchSize, 0, 0)) {
    const shape = { batch: batch.rows.length, length: batch.length };
    const key = `${shape.batch}x${shape.length}`;
    if (!compiled.has(key)) {
      const { graph, outputs } = buildMicroStep(model, shape, [], { hook: adapter?.hook, accumulate: false, forwardOnly: true });
      compiled.set(key, rt.compile(graph, outputs));
    }
    const c = collate(examples, batch, pad);
    const feeds: Record<string, Feed> = { ...weights, ...(adapter?.feeds ?? {}), ...model.batchFeeds({ ids: c.ids, attentionMask: c.mask }), targets: c.targets };
    const out = await (await compiled.get(key)!).run(feeds, { ignoreUnknown: true });
    nll += out.loss_sum!.data[0] as number;
    tokens += out.token_count!.data[0] as number;
  }
  return { nll, tokens };
}

/** Greedy answers to the prompts, in batches, ending at EOS or the token budget. */
export async function generateAnswers(
  rt: Runtime, model: CausalLM, tokenizer: Tokenizer, prompts: string[], options: { maxNewTokens: number; adapter?: ForwardAdapter; batchSize?: number; onProgress?: (done: number) => void },
): Promise<string[]> {
  const out: string[] = [];
  const size = options.batchSize ?? 8;
  for (let i = 0; i < prompts.length; i += size) {
    const ids = prompts.slice(i, i + size).map((p) => tokenizer.encode(p));
    const result = await generateTokens(rt, model, ids, {
      maxNewTokens: options.maxNewTokens, eosTokenIds: [...tokenizer.eosTokenIds], padTokenId: tokenizer.padTokenId ?? 0, adapter: options.adapter,
    });
    for (const t of result.tokens) out.push(tokenizer.decode(t, { skipSpecialTokens: true }).trim());
    options.onProgress?.(out.length);
  }
  return out;
}

export interface ModelScores {
  loss: LossTotals;
  outputs: string[];
  metrics: ExampleMetrics[];
  summary: { loss: number; perplexity: number; exactMatch: number; f1: number; rougeL: number };
}

export async function scoreModel(
  rt: Runtime, model: CausalLM, tokenizer: Tokenizer, examples: EvalExample[],
  options: { maxNewTokens: number; adapter?: ForwardAdapter; onProgress?: (done: number) => void },
): Promise<ModelScores> {
  const loss = await teacherForcedLoss(rt, model, examples, options.adapter);
  const outputs = await generateAnswers(rt, model, tokenizer, examples.map((e) => e.prompt), options);
  const metrics = outputs.map((o, i) => scoreOutput(o, examples[i]!.reference));
  const lossPerToken = loss.tokens > 0 ? loss.nll / loss.tokens : NaN;
  return {
    loss, outputs, metrics,
    summary: {
      loss: lossPerToken, perplexity: Math.exp(lossPerToken),
      exactMatch: mean(metrics.map((m) => m.exactMatch)), f1: mean(metrics.map((m) => m.f1)), rougeL: mean(metrics.map((m) => m.rougeL)),
    },
  };
}

export function compareScores(examples: EvalExample[], base: ModelScores, tuned: ModelScores, prompted?: readonly string[]): ComparedExample[] {
  return compareOutputs(examples.map((e, i) => ({
    prompt: e.prompt, reference: e.reference, baseOutput: base.outputs[i]!, tunedOutput: tuned.outputs[i]!,
    ...(prompted ? { promptedOutput: prompted[i]! } : {}),
  })));
}

/** The training run's metrics.jsonl next to an adapter or model folder (RUN/adapter -> RUN/metrics.jsonl). */
export async function findTrainingLog(outputDir: string | undefined): Promise<TrainingLogLine[] | undefined> {
  if (!outputDir) return undefined;
  for (const candidate of [join(dirname(outputDir), 'metrics.jsonl'), join(outputDir, 'metrics.jsonl')]) {
    if (await stat(candidate).catch(() => null)) return readMetricsLog(candidate);
  }
  return undefined;
}
