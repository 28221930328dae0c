// Loss curves of LoRA (all linear layers) on a real model folder with each frozen-base precision:
// fp32 and int8 (LoRA), nf4 and int8 (QLoRA, the NF4 values computed in int8), and the gap of each
// curve to its reference step by step (mean and largest relative gap). The data is a text file
// (default: this repository's README) cut into windows of --seq tokens by the model's own tokenizer.
//   node --import tsx bench/base-precision.ts --model DIR [--text FILE] [--steps 100] [--seq 64] [--batch 8] [--lr 2e-3]
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoraModel } from '../src/adapters/lora/lora-model.js';
import { CausalLM } from '../src/models/model.js';
import { Runtime } from '../src/runtime/runtime.js';
import { loadTokenizer } from '../src/tokenizer/load-tokenizer.js';
import type { TrainExample } from '../src/train/batching.js';
import { loraTarget } from '../src/train/targets.js';
import { train } from '../src/train/trainer.js';
import { flags, round } from './peer.js';

const opts = flags({ model: '', text: '', steps: '100', seq: '64', batch: '8', lr: '2e-3' });
if (!opts.model) throw new Error('--model DIR is required');
const text = await readFile(opts.text || fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const tokenizer = await loadTokenizer(opts.model);
const ids = tokenizer.encode(text);
const seq = Number(opts.seq);
const examples: TrainExample[] = [];
for (let start = 0; start + seq <= ids.length; start += Math.max(1, Math.floor(seq / 2))) {
  const window = ids.slice(start, start + seq);
  examples.push({ inputIds: window, labels: window });
}

const rt = new Runtime();
async function curve(mode: string): Promise<number[]> {
  const model = await CausalLM.load(opts.model, mode.startsWith('qlora') ? { quantize: {} } : {});
  if (mode.endsWith('int8')) model.quantizeLinearInt8();
  const lora = new LoraModel(model, { r: 8, loraAlpha: 16, targetModules: 'all-linear', loraDropout: 0 }, 5);
  const losses: number[] = [];
  const outDir = await mkdtemp(join(tmpdir(), 'tuna-precision-'));
  await train(rt, loraTarget(lora, mode), examples, [], {
    outDir, epochs: 1000, maxSteps: Number(opts.steps), lr: Number(opts.lr), batchSize: Number(opts.batch), gradAccum: 1, schedule: 'constant',
    weightDecay: 0, maxGradNorm: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, keepCheckpoints: 1, seed: 3, noFinalSave: true, onStep: (m) => losses.push(m.loss),
  });
  await rm(outDir, { recursive: true, force: true });
  return losses;
}
const gap = (a: number[], b: number[]) => {
  const rel = a.map((x, i) => Math.abs(x - b[i]!) / b[i]!);
  return { mean: round(rel.reduce((s, r) => s + r, 0) / rel.length, 5), max: round(Math.max(...rel), 5) };
};
const curves: Record<string, number[]> = {};
for (const mode of ['lora_fp32', 'lora_int8', 'qlora_nf4', 'qlora_int8']) curves[mode] = await curve(mode);
await rt.close();
const gaps = {
  lora_int8_to_lora_fp32: gap(curves.lora_int8!, curves.lora_fp32!),
  qlora_int8_to_qlora_nf4: gap(curves.qlora_int8!, curves.qlora_nf4!),
  qlora_nf4_to_lora_fp32: gap(curves.qlora_nf4!, curves.lora_fp32!),
  qlora_int8_to_lora_fp32: gap(curves.qlora_int8!, curves.lora_fp32!),
};
for (const [name, g] of Object.entries(gaps)) console.log(`${name}: mean ${(100 * g.mean).toFixed(2)}%, largest ${(100 * g.max).toFixed(2)}%`);
const ends = Object.fromEntries(Object.entries(curves).map(([k, v]) => [k, [round(v[0]!, 4), round(v.at(-1)!, 4)]]));
console.log(JSON.stringify({ bench: 'base-precision', model: opts.model, examples: examples.length, steps: Number(opts.steps), seq, loss_first_last: ends, gaps }));
