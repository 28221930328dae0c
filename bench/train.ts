// Training throughput and peak memory on a SmolLM2-135M-shaped model (or TinyLlama-1.1B with
// --shape tinyllama) at batch 4 x 256: LoRA (r=16, alpha=32, q_proj+v_proj) and full fine-tuning,
// next to the peers in the same run: plain PyTorch and transformers + PEFT, each in fp32 and with
// bf16 autocast. Each mode runs in its own process so peak RSS is that mode's own. The shared host
// drifts, so Tuna and the peers alternate for a few rounds: each side's best tokens/s and its
// highest peak RSS over the rounds are compared (every round's figures are printed too). LoRA also
// runs on an int8 frozen base (--base-precision int8) in the same rounds, compared with fp32 LoRA
// (--int8 0 leaves it out; --peers none leaves the peers out).
//   npm run bench:train -- [--mode both|lora|full] [--shape smollm2|tinyllama] [--steps 3] [--warmup 1]
//                          [--layers N] [--rounds 2] [--peers torch_fp32,torch_bf16,hf_fp32,hf_bf16|none] [--int8 1]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoraModel } from '../src/adapters/lora/lora-model.js';
import { Runtime } from '../src/runtime/runtime.js';
import type { TrainExample } from '../src/train/batching.js';
import { applyRecomputation, recomputation } from '../src/train/options.js';
import { fullTarget, loraTarget } from '../src/train/targets.js';
import { train } from '../src/train/trainer.js';
import { peakRssMb, randomModel } from './model-shapes.js';
import { flags, PeerRounds, round, runChild, trainingPeers } from './peer.js';

const opts = flags({ mode: 'both', shape: 'smollm2', batch: '4', seq: '256', steps: '3', warmup: '1', layers: '', rounds: '2', peers: 'all', int8: '1', child: '' });
if (opts.shape !== 'smollm2' && opts.shape !== 'tinyllama') throw new Error(`--shape ${opts.shape}: expected smollm2 or tinyllama`);
const shape = opts.shape;
const B = Number(opts.batch);
const T = Number(opts.seq);

/** Runs one mode in this process and prints its figures as JSON. */
async function runMode(mode: 'lora' | 'lora_int8' | 'full' | 'qlora') {
  const layers = opts.layers ? { num_hidden_layers: Number(opts.layers) } : {};
  const model = randomModel(shape === 'smollm2' ? 'smollm2_135m' : 'tinyllama_1_1b', layers, 1, mode === 'lora_int8' ? 'int8' : false);
  if (mode === 'qlora') model.quantizeLinearWeights();
  // Each method with `tuna train`'s defaults: full fine-tuning recomputes attention probabilities
  // and activations in the backward pass, LoRA only on batches from 1024 positions on.
  if (mode !== 'qlora') applyRecomputation(model, recomputation(mode === 'full' ? 'full' : 'lora', 'auto'));
  const rt = new Runtime();
  const examples: TrainExample[] = [];
  let s = 7;
  for (let i = 0; i < B; i++) {
    const ids = Array.from({ length: T }, () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % model.config.vocabSize);
    examples.push({ inputIds: ids, labels: ids });
  }
  const target = mode === 'full'
    ? fullTarget(model)
    : loraTarget(new LoraModel(model, { r: 16, loraAlpha: 32, targetModules: mode === 'qlora' ? 'all-linear' : ['q_proj', 'v_proj'] }), 'bench');
  const basePrecision = model.basePrecision;
  const stepSeconds: number[] = [];
  const losses: number[] = [];
  let last = performance.now();
  const started = performance.now();
  const outDir = await mkdtemp(join(tmpdir(), 'tuna-bench-'));
  await train(rt, target, examples, [], {
    outDir, epochs: 1, maxSteps: Number(opts.warmup) + Number(opts.steps), lr: mode === 'full' ? 1e-4 : 1e-3, batchSize: B, gradAccum: 1,
    schedule: 'constant', weightDecay: 0, maxGradNorm: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, keepCheckpoints: 1, seed: 0, noFinalSave: true,
    onStep: (m) => {
      const now = performance.now();
      stepSeconds.push((now - last) / 1000);
      losses.push(m.loss);
      last = now;
    },
  }).catch((e) => { throw e; });
  await rt.close();
  await rm(outDir, { recursive: true, force: true });
  const timed = stepSeconds.slice(Number(opts.warmup)).sort((a, b) => a - b);
  const median = timed[Math.floor(timed.length / 2)]!;
  return {
    mode, base_precision: basePrecision, tokens_per_s: round((B * T) / median), step_s: round(median, 3), peak_rss_mb: peakRssMb(),
    first_step_s: round(stepSeconds[0]!, 2), loss_first: round(losses[0]!, 4), loss_last: round(losses.at(-1)!, 4),
    total_s: round((performance.now() - started) / 1000, 1),
  };
}

if (opts.child) {
  // Only the figures: the checkpoint the trainer writes at the end is not part of a step.
  console.log(JSON.stringify(await runMode(opts.child as 'lora' | 'lora_int8' | 'full' | 'qlora')));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const modes = (opts.mode === 'both' ? ['lora', 'full'] : [opts.mode]) as ('lora' | 'full')[];
const rows = [];
type Figures = { tokens_per_s: number; peak_rss_mb: number; step_s: number };
const best = (runs: Figures[]) => runs.reduce((a, b) => (b.tokens_per_s > a.tokens_per_s ? b : a));
const peak = (runs: Figures[]) => Math.max(...runs.map((x) => x.peak_rss_mb));
for (const mode of modes) {
  const peers = trainingPeers(mode, shape, { batch: B, seq: T, steps: opts.steps, warmup: opts.warmup, layers: opts.layers || undefined })
    .filter((p) => opts.peers === 'all' || opts.peers.split(',').includes(p.label));
  const tunaRuns: (Figures & Record<string, unknown>)[] = [];
  const int8Runs: (Figures & Record<string, unknown>)[] = [];
  const withInt8 = mode === 'lora' && opts.int8 !== '0';
  const peerRounds = new PeerRounds(peers);
  for (let r = 0; r < Number(opts.rounds); r++) {
    tunaRuns.push(runChild(self, [...process.argv.slice(2), '--child', mode], `bench ${mode}`));
    if (withInt8) int8Runs.push(runChild(self, [...process.argv.slice(2), '--child', 'lora_int8'], 'bench lora_int8'));
    peerRounds.round();
  }
  const tuna = { ...best(tunaRuns), peak_rss_mb: peak(tunaRuns) };
  const { compared, lines: summary } = peerRounds.compare(tuna, { speed: 'speed_ratio', memory: 'memory_ratio' }, (label, figures, ratios) =>
    `${label} ${figures.tokens_per_s} tokens/s, ${figures.peak_rss_mb} MB -> ${ratios!.speed}x speed, ${ratios!.memory}x memory`);
  let int8: Record<string, unknown> | undefined;
  if (withInt8) {
    const figures = { tokens_per_s: best(int8Runs).tokens_per_s, peak_rss_mb: peak(int8Runs) };
    const ratios = { speed_ratio: round(figures.tokens_per_s / tuna.tokens_per_s, 3), memory_ratio: round(figures.peak_rss_mb / tuna.peak_rss_mb, 3) };
    int8 = { ...figures, ...ratios, rounds: int8Runs.map((x) => x.tokens_per_s) };
    summary.unshift(`int8 base ${figures.tokens_per_s} tokens/s, ${figures.peak_rss_mb} MB -> ${ratios.speed_ratio}x speed, ${ratios.memory_ratio}x memory of fp32 LoRA`);
  }
  console.log(`${mode}: ${tuna.tokens_per_s} tokens/s, peak ${tuna.peak_rss_mb} MB; ${summary.join('; ')}`);
  rows.push({ ...tuna, rounds: tunaRuns.map((x) => x.tokens_per_s), ...(int8 ? { int8_base: int8 } : {}), peers: compared });
}
console.log(JSON.stringify({ bench: 'train', shape, batch: B, seq: T, layers: opts.layers ? Number(opts.layers) : 'all', results: rows }));
