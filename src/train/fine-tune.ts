// One fine-tuning run from options to a finished run folder: adapter/ (LoRA) or model/ (full),
// metrics.jsonl, config.yaml with the resolved options, and loss.svg.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { saveAdapter } from '../adapters/lora/adapter-files.js';
import { LoraModel } from '../adapters/lora/lora-model.js';
import { resolveModel } from '../io/hub.js';
import { CausalLM } from '../models/model.js';
import { saveModelFolder } from '../models/save.js';
import type { Runtime } from '../runtime/runtime.js';
import type { TrainExample } from './batching.js';
import { loadTrainingData } from './data.js';
import { frozenHeadWarnings } from './eos-reachability.js';
import { fullTarget, loraTarget } from './targets.js';
import { train, type StepMetrics, type TrainResult } from './trainer.js';
import { applyRecomputation, basePrecision, moduleList, recomputation, trainOptionsSchema, type FineTuneInput } from './options.js';
import { resumeOptions } from './resume-options.js';
import { chooseMaxLength } from '../data/tokenize/max-length.js';
import { TunaInputError } from '../errors.js';

export type { FineTuneInput, FineTuneOptions } from './options.js';

export interface FineTuneHooks {
  onLog?: (line: string) => void;
  onStep?: (m: StepMetrics) => void;
  onEval?: (m: { step: number; evalLoss: number }) => void;
  signal?: AbortSignal;
}

export interface FineTuneResult extends TrainResult {
  runDir: string;
  /** adapter/ or model/ inside the run folder. */
  outputDir: string;
  trainExamples: number;
  evalExamples: number;
  trainableLine: string;
}

export const DEFAULT_LR = { lora: 2e-4, qlora: 2e-4, full: 2e-5 } as const;

/** A whole run; options left out take the defaults `tuna train` documents. */
export async function fineTune(rt: Runtime, input: FineTuneInput, hooks: FineTuneHooks = {}): Promise<FineTuneResult> {
  const parsed = trainOptionsSchema.safeParse(await resumeOptions(input as Record<string, unknown>));
  if (!parsed.success) throw new TunaInputError(`fine-tune options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const given = parsed.data;
  const log = hooks.onLog ?? (() => {});
  const precision = basePrecision(given.method, given.basePrecision);
  const modelDir = await resolveModel(given.model);
  // QLoRA's base is frozen unless modules_to_save trains part of it: the input embedding stays in
  // its file (rows read per batch) and the output head is held in float16.
  const model = await CausalLM.load(modelDir, given.method === 'qlora'
    ? { quantize: { blocksize: given.quantBlocksize, doubleQuant: given.doubleQuant }, frozen: !moduleList(given.modulesToSave)?.length }
    : {});
  const length = chooseMaxLength(given.maxLength, model.config.maxPositionEmbeddings);
  if (length.warning) log(`warning: ${length.warning}`);
  const options = {
    ...given, maxLength: length.maxLength, targetModules: moduleList(given.targetModules), modulesToSave: moduleList(given.modulesToSave),
  };
  applyRecomputation(model, recomputation(options.method, options.gradientCheckpointing));
  const data = await loadTrainingData(options.data, {
    modelDir, maxLength: options.maxLength, truncation: options.truncation, template: options.template, testSize: options.testSize, seed: options.seed, log,
  });
  const cut = <T>(a: T[] | undefined) => a?.slice(0, options.maxLength);
  const truncate = (examples: TrainExample[]) => examples.map((e) => (e.inputIds.length <= options.maxLength ? e : {
    inputIds: cut(e.inputIds)!, labels: cut(e.labels)!, positionIds: cut(e.positionIds), segmentIds: cut(e.segmentIds),
  }));
  const trainSet = truncate(data.train);
  const evalSet = truncate(data.test);
  const lr = options.lr ?? DEFAULT_LR[options.method];
  let target;
  let lora: LoraModel | null = null;
  if (options.method === 'lora' || options.method === 'qlora') {
    const qlora = options.method === 'qlora';
    const nf4 = `NF4 (block size ${options.quantBlocksize}${options.doubleQuant ? ', double quantization' : ''})`;
    if (precision === 'int8') {
      model.quantizeLinearInt8();
      log(`base: ${model.int8.size} linear layers in int8, one scale per output feature${qlora ? `, from their ${nf4} values` : ''}; the output head's forward product in int8 too`);
    } else if (qlora) {
      log(`base: ${model.quantized.size} linear layers in ${nf4}`);
    }
    const targets = options.targetModules ?? (qlora ? ['all-linear'] : undefined);
    lora = new LoraModel(model, {
      r: options.loraR, loraAlpha: options.loraAlpha, loraDropout: options.loraDropout,
      targetModules: targets?.length === 1 && targets[0] === 'all-linear' ? 'all-linear' : targets ?? null,
      modulesToSave: options.modulesToSave ?? null,
      baseModelNameOrPath: options.model,
    }, options.seed);
    target = loraTarget(lora, `lora:${options.out}`);
  } else {
    target = fullTarget(model);
  }
  const trainableLine = lora ? lora.trainableParametersLine() : fullLine(model);
  log(trainableLine);
  for (const w of await frozenHeadWarnings(lora, options.method, trainSet)) log(`warning: ${w.message}`);
  log(`training on ${trainSet.length} examples, evaluating on ${evalSet.length}`);
  const warmup = options.warmup < 1 ? { warmupRatio: options.warmup } : { warmupSteps: options.warmup };
  await mkdir(options.out, { recursive: true });
  await writeFile(join(options.out, 'config.yaml'), stringify({ ...options, lr, modelPath: modelDir }));
  const result = await train(rt, target, trainSet, evalSet, {
    outDir: options.out, epochs: options.epochs, maxSteps: options.maxSteps, lr, batchSize: options.batchSize, gradAccum: options.gradAccum,
    schedule: options.schedule, ...warmup, weightDecay: options.weightDecay, maxGradNorm: options.maxGradNorm,
    beta1: 0.9, beta2: 0.999, eps: 1e-8, evalEvery: options.evalEvery, saveEvery: options.saveEvery, keepCheckpoints: options.keepCheckpoints,
    seed: options.seed, resume: options.resume, signal: hooks.signal, onStep: hooks.onStep, onEval: hooks.onEval, onLog: log,
  });
  let outputDir: string;
  if (lora) {
    for (const [module, t] of lora.adapters) {
      t.a.set(result.trained.get(`${module}.lora_A.weight`)!);
      t.b.set(result.trained.get(`${module}.lora_B.weight`)!);
    }
    const extra = new Map([...result.trained].filter(([name]) => lora!.extraTrainable.includes(name)));
    outputDir = join(options.out, 'adapter');
    await saveAdapter(lora, outputDir, extra);
  } else {
    outputDir = join(options.out, 'model');
    await saveModelFolder(model, result.trained, outputDir);
  }
  await writeLossChart(options.out);
  return { ...result, runDir: options.out, outputDir, trainExamples: trainSet.length, evalExamples: evalSet.length, trainableLine };
}

function fullLine(model: CausalLM): string {
  let n = 0;
  for (const s of model.shapes.values()) n += s.reduce((a, b) => a * b, 1);
  return `trainable params: ${n.toLocaleString('en-US')} || all params: ${n.toLocaleString('en-US')} || trainable%: 100.0000`;
}

/** loss.svg from metrics.jsonl, when the chart module is available. */
async function writeLossChart(runDir: string): Promise<void> {
  const text = await readFile(join(runDir, 'metrics.jsonl'), 'utf8').catch(() => '');
  const points = text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { step: number; loss?: number; eval_loss?: number });
  if (points.length === 0) return;
  const { lossCurveSvg } = await import('../eval/loss-chart.js');
  await writeFile(join(runDir, 'loss.svg'), lossCurveSvg(points, { width: 720, height: 360, title: 'Training loss' }));
}

