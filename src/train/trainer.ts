// The training loop: micro-batches with gradient accumulation normalised by target tokens,
// global-norm clipping and AdamW on the worker-resident trainable tensors, evaluation loss,
// metrics.jsonl, checkpoints (atomic, last K kept), resume, Ctrl-C and NaN handling.
import { createHash } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TunaInputError } from '../errors.js';
import { sizeOf, type Shape } from '../graph/shape.js';
import type { LinearHook } from '../models/context.js';
import type { CausalLM } from '../models/model.js';
import { Resident, type Executable, type Feed, type Runtime } from '../runtime/runtime.js';
import { hashSeed, mulberry32 } from '../testing/random.js';
import { collate, planEpoch, type Batch, type TrainExample } from './batching.js';
import { listCheckpoints, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint.js';
import { learningRate, warmupSteps, type Schedule, type ScheduleKind } from './schedule.js';
import { accName, buildMicroStep, momentName, type Trainable } from './step-graphs.js';

export interface TrainOptions {
  outDir: string;
  epochs: number;
  /** Stops after this many optimizer steps (overrides epochs when set). */
  maxSteps?: number;
  lr: number;
  batchSize: number;
  gradAccum: number;
  schedule: ScheduleKind;
  warmupSteps?: number;
  warmupRatio?: number;
  weightDecay: number;
  maxGradNorm: number;
  beta1: number;
  beta2: number;
  eps: number;
  evalEvery?: number;
  saveEvery?: number;
  keepCheckpoints: number;
  seed: number;
  /** "latest" or a checkpoint folder. */
  resume?: string;
  signal?: AbortSignal;
  onStep?: (m: StepMetrics) => void;
  onEval?: (m: { step: number; evalLoss: number }) => void;
  onLog?: (line: string) => void;
  /** Benchmarks: skip the final checkpoint and the download of the trained tensors. */
  noFinalSave?: boolean;
}

export interface StepMetrics {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  grad_norm: number;
  tokens_per_s: number;
  elapsed: number;
  eval_loss?: number;
}

/** What is trained: its tensors, initial values, and how they join the forward graph. */
export interface TrainingTarget {
  model: CausalLM;
  trainables: Trainable[];
  /** Initial values of the trainables (host copies, uploaded once). */
  initial(): Map<string, Float32Array>;
  /** Hook that adds adapters to the forward graph (LoRA); none for full fine-tuning. */
  hook?: LinearHook;
  /** The hook of evaluation graphs (no dropout); defaults to `hook`. */
  evalHook?: LinearHook;
  /** Per-micro-batch extra feeds of training graphs (dropout masks) from a seeded generator. */
  extraFeeds?(shape: { batch: number; length: number }, random: () => number): Record<string, Feed>;
  /** Resident names for trainables (full fine-tuning updates the model's own weights in place). */
  residentName(name: string): string;
  /** Whether the step graphs' sessions keep onnxruntime's memory arena (CompileOptions.arena; default true). */
  arena?: boolean;
}

export interface TrainResult {
  steps: number;
  interrupted: boolean;
  finalLoss: number;
  evalLoss: number | null;
  trained: Map<string, Float32Array>;
}

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

function fingerprint(options: TrainOptions, train: TrainExample[]): string {
  const h = createHash('sha256');
  // Not the length of the run: a resumed run may go on for more epochs or steps.
  h.update(JSON.stringify([options.lr, options.batchSize, options.gradAccum, options.schedule, options.seed]));
  for (const ex of train) h.update(Int32Array.from(ex.inputIds)).update(Int32Array.from(ex.labels));
  return h.digest('hex').slice(0, 16);
}

export async function train(
  rt: Runtime, target: TrainingTarget, trainSet: TrainExample[], evalSet: TrainExample[], options: TrainOptions,
): Promise<TrainResult> {
  if (trainSet.length === 0) throw new TunaInputError('the training set is empty');
  const { model, trainables } = target;
  const lengths = trainSet.map((e) => e.inputIds.length);
  const batchesPerEpoch = Math.ceil(trainSet.length / options.batchSize);
  const stepsPerEpoch = Math.max(1, Math.floor(batchesPerEpoch / options.gradAccum));
  const totalSteps = options.maxSteps ?? stepsPerEpoch * options.epochs;
  const schedule: Schedule = {
    kind: options.schedule, peakLr: options.lr, totalSteps, warmupSteps: warmupSteps(totalSteps, options.warmupSteps, options.warmupRatio),
  };
  const print = options.onLog ?? (() => {});
  const pad = model.config.padTokenId ?? 0;
  const shapes = new Map<string, Shape>(trainables.map((t) => [t.name, t.shape]));
  const fp = fingerprint(options, trainSet);
  await mkdir(options.outDir, { recursive: true });

  // Resident state: weights (frozen and trainable), AdamW moments, gradient accumulators.
  const weights = await model.residentWeights(rt);
  const state: TrainerState = { step: 0, epoch: 0, batchIndex: 0, seed: options.seed, totalSteps, fingerprint: fp };
  let values = target.initial();
  let moments = new Map<string, Float32Array>();
  if (options.resume) {
    const ck = await loadCheckpoint(options.outDir, options.resume);
    if (ck.state.fingerprint !== fp) {
      throw new TunaInputError(`--resume ${ck.dir}: the checkpoint was made with other data or options; resume with the same ones, or start a new run folder`);
    }
    Object.assign(state, ck.state, { totalSteps });
    values = ck.trainable;
    moments = ck.moments;
    const longer = totalSteps !== ck.state.totalSteps ? ` (the run now ends at step ${totalSteps} instead of ${ck.state.totalSteps}; the ${options.schedule} schedule spans the new length)` : '';
    print(`resuming from ${ck.dir} at step ${state.step}${longer}`);
    if (state.step >= totalSteps) print(`the run already has ${state.step} steps: raise --max-steps or --epochs to train on`);
  }
  // Trainables, moments and gradients live in the worker; AdamW updates them there in place.
  const resident = new Map<string, Resident>();
  for (const t of trainables) {
    const name = target.residentName(t.name);
    const weight = weights.get(t.name);
    const start = values.get(t.name);
    if (start) {
      // Checkpoint values are ours to move; initial adapter values stay with their owner.
      resident.set(t.name, await rt.upload(name, { data: start, shape: t.shape, dtype: 'float32' }, { transfer: options.resume !== undefined }));
    } else if (weight?.name === name) {
      resident.set(t.name, weight);
    } else {
      if (!weight) throw new Error(`trainable "${t.name}" has no initial value and is not a weight of the model`);
      const copy = (await rt.download(weight)).data as Float32Array;
      resident.set(t.name, await rt.upload(name, { data: copy, shape: t.shape, dtype: 'float32' }, { transfer: true }));
    }
    for (const which of ['m', 'v'] as const) {
      const key = momentName(t.name, which);
      const data = moments.get(key) ?? new Float32Array(sizeOf(t.shape));
      resident.set(key, await rt.upload(`${name}#${which}`, { data, shape: t.shape, dtype: 'float32' }, { transfer: true }));
    }
    resident.set(accName(t.name), new Resident(`${name}#grad`, t.shape, 'float32'));
  }
  const baseFeeds: Record<string, Feed> = {};
  for (const [name, r] of weights) baseFeeds[name] = r;
  for (const t of trainables) {
    baseFeeds[t.name] = resident.get(t.name)!;
    baseFeeds[accName(t.name)] = resident.get(accName(t.name))!;
  }

  // The graphs of one batch shape are live at a time: each session keeps its own memory for the
  // intermediates of its runs, so the sessions of several shapes would add up. Batches of one length
  // follow each other (planEpoch), and a released graph compiles again from its optimized form.
  const compiled = new Map<string, Promise<Executable>>();
  let liveShape = '';
  const releaseGraphs = async () => {
    const exes = [...compiled.values()];
    compiled.clear();
    for (const exe of exes) await exe.then((e) => rt.release(e), () => {});
  };
  const micro = async (shape: { batch: number; length: number }, accumulate: boolean, forwardOnly = false): Promise<Executable> => {
    const shapeKey = `${shape.batch}x${shape.length}`;
    if (shapeKey !== liveShape) {
      await releaseGraphs();
      liveShape = shapeKey;
    }
    const key = `${accumulate}:${forwardOnly}`;
    let exe = compiled.get(key);
    if (!exe) {
      const hook = forwardOnly ? (target.evalHook ?? target.hook) : target.hook;
      const { graph, outputs } = buildMicroStep(model, shape, trainables, { hook, accumulate, forwardOnly });
      exe = rt.compile(graph, outputs, { reusable: true, arena: target.arena ?? true });
      compiled.set(key, exe);
    }
    return exe;
  };
  const gradKeep = Object.fromEntries(trainables.map((t) => [`acc_out.${t.name}`, resident.get(accName(t.name))!.name]));
  const adamTensors = trainables.map((t) => ({
    param: resident.get(t.name)!, m: resident.get(momentName(t.name, 'm'))!, v: resident.get(momentName(t.name, 'v'))!,
    grad: resident.get(accName(t.name))!, decay: t.decay,
  }));

  const evaluate = async (): Promise<number | null> => {
    if (evalSet.length === 0) return null;
    // The training graphs give their memory to the evaluation graphs, and these theirs back after.
    await releaseGraphs();
    let sum = 0;
    let count = 0;
    for (const batch of planEpoch(evalSet.map((e) => e.inputIds.length), options.batchSize, 0, 0)) {
      const { ids, mask, targets, positions, segments } = collate(evalSet, batch, pad);
      const exe = await micro({ batch: batch.rows.length, length: batch.length }, false, true);
      const out = await exe.run({ ...baseFeeds, ...model.batchFeeds({ ids, attentionMask: mask, positions, segments }), targets }, { fetch: ['loss_sum', 'token_count'], ignoreUnknown: true });
      sum += out.loss_sum!.data[0] as number;
      count += out.token_count!.data[0] as number;
    }
    await releaseGraphs();
    return count > 0 ? sum / count : null;
  };

  // The micro-batch sequence across epochs; position (epoch, batchIndex) is saved in checkpoints.
  let epochPlan: Batch[] = planEpoch(lengths, options.batchSize, options.seed, state.epoch);
  const nextGroup = (): Batch[] => {
    const group: Batch[] = [];
    while (group.length < options.gradAccum) {
      if (state.batchIndex >= epochPlan.length) {
        state.epoch++;
        state.batchIndex = 0;
        epochPlan = planEpoch(lengths, options.batchSize, options.seed, state.epoch);
      }
      group.push(epochPlan[state.batchIndex++]!);
    }
    return group;
  };

  const metricsPath = join(options.outDir, 'metrics.jsonl');
  const started = performance.now();
  let lastLoss = NaN;
  let lastEval: number | null = null;
  let interrupted = false;
  const saved = new Set(await listCheckpoints(options.outDir));

  const checkpoint = async () => {
    if (saved.has(state.step)) return;
    const host = new Map<string, Float32Array>();
    const mom = new Map<string, Float32Array>();
    for (const t of trainables) {
      host.set(t.name, (await rt.download(resident.get(t.name)!.name)).data as Float32Array);
      for (const which of ['m', 'v'] as const) {
        const key = momentName(t.name, which);
        mom.set(key, (await rt.download(`${target.residentName(t.name)}#${which}`)).data as Float32Array);
      }
    }
    const dir = await saveCheckpoint(options.outDir, { ...state }, host, mom, shapes, options.keepCheckpoints);
    saved.add(state.step);
    print(`saved ${dir}`);
  };

  // A run that stops early (an error, a NaN loss) frees its graphs too.
  try {
    while (state.step < totalSteps) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const stepStart = performance.now();
      const group = nextGroup();
      const collated = group.map((b) => collate(trainSet, b, pad));
      const groupTokens = collated.reduce((n, c) => n + c.tokens, 0);
      let lossSum = 0;
      let tokenCount = 0;
      let seen = 0;
      const t = state.step + 1;
      const lr = learningRate(schedule, state.step);
      for (let i = 0; i < group.length; i++) {
        const batch = group[i]!;
        const c = collated[i]!;
        const shape = { batch: batch.rows.length, length: batch.length };
        const exe = await micro(shape, i > 0);
        const random = mulberry32(hashSeed(`${options.seed}/${state.step}/${i}`));
        const feeds: Record<string, Feed> = {
          ...baseFeeds,
          ...model.batchFeeds({ ids: c.ids, attentionMask: c.mask, positions: c.positions, segments: c.segments }),
          ...(target.extraFeeds?.(shape, random) ?? {}),
          targets: c.targets,
          loss_scale: new Float32Array([groupTokens > 0 ? 1 / groupTokens : 0]),
        };
        const out = await exe.run(feeds, { fetch: ['loss_sum', 'token_count'], keep: gradKeep, ignoreUnknown: true });
        lossSum += out.loss_sum!.data[0] as number;
        tokenCount += out.token_count!.data[0] as number;
        seen += c.mask.reduce((n, row) => n + row.reduce((a, b) => a + b, 0), 0);
      }
      const loss = tokenCount > 0 ? lossSum / tokenCount : 0;
      if (!Number.isFinite(loss)) {
        throw new NonFiniteLossError(
          `the training loss became ${loss} at step ${state.step + 1}; stopped without saving that step. ` +
            `The last good checkpoint is kept in ${options.outDir}. Try a lower --lr or check the data.`,
        );
      }
      const { gradNorm } = await rt.adamw({
        tensors: adamTensors, lr, beta1: options.beta1, beta2: options.beta2, eps: options.eps, weightDecay: options.weightDecay,
        step: t, maxGradNorm: options.maxGradNorm, releaseGrads: true,
      });
      state.step = t;
      lastLoss = loss;
      const seconds = (performance.now() - stepStart) / 1000;
      const metrics: StepMetrics = {
        step: state.step, totalSteps, epoch: state.epoch + state.batchIndex / epochPlan.length, loss, lr, grad_norm: gradNorm,
        tokens_per_s: seen / seconds, elapsed: (performance.now() - started) / 1000,
      };
      if (options.evalEvery && state.step % options.evalEvery === 0 && state.step < totalSteps) {
        lastEval = await evaluate();
        if (lastEval !== null) {
          metrics.eval_loss = lastEval;
          options.onEval?.({ step: state.step, evalLoss: lastEval });
        }
      }
      await appendFile(metricsPath, `${JSON.stringify(roundMetrics(metrics))}\n`);
      options.onStep?.(metrics);
      if (options.saveEvery && state.step % options.saveEvery === 0) await checkpoint();
    }

    if (!interrupted) {
      lastEval = await evaluate();
      if (lastEval !== null) {
        options.onEval?.({ step: state.step, evalLoss: lastEval });
        await appendFile(metricsPath, `${JSON.stringify({ step: state.step, eval_loss: round(lastEval) })}\n`);
      }
    }
    const trained = new Map<string, Float32Array>();
    if (options.noFinalSave) return { steps: state.step, interrupted, finalLoss: lastLoss, evalLoss: lastEval, trained };
    await checkpoint();
    for (const t of trainables) trained.set(t.name, (await rt.download(resident.get(t.name)!.name)).data as Float32Array);
    return { steps: state.step, interrupted, finalLoss: lastLoss, evalLoss: lastEval, trained };
  } finally {
    await releaseGraphs();
  }
}

const round = (v: number) => Number(v.toPrecision(6));

function roundMetrics(m: StepMetrics): Record<string, number> {
  const out: Record<string, number> = {
    step: m.step, epoch: round(m.epoch), loss: round(m.loss), lr: m.lr, grad_norm: round(m.grad_norm),
    tokens_per_s: Math.round(m.tokens_per_s * 10) / 10, elapsed: Math.round(m.elapsed * 100) / 100,
  };
  if (m.eval_loss !== undefined) out.eval_loss = round(m.eval_loss);
  return out;
}
