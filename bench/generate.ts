// Generation speed on a SmolLM2-135M-shaped random Llama (hidden 576, 30 layers, 9 heads, 3 kv
// heads, MLP 1536, vocab 49152, tied embeddings): prefill tokens/s for one prompt and greedy
// decode tokens/s at batch 1, through generateTokens (the KV cache as `tuna generate` uses it),
// next to a plain PyTorch peer with a KV cache run in the same process tree, and decode as a
// fraction of the memory-bandwidth limit (every weight read once per token), with the time a
// token's weight products take alone (what the rest of the step adds is the difference).
//   npm run bench:generate -- [--prompt 256] [--new 64] [--reps 5] [--threads N] [--peer yes|no]
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTokens } from '../src/generate/generator.js';
import { Graph } from '../src/graph/graph.js';
import type { Tensor } from '../src/graph/tensor.js';
import { parseHfConfig } from '../src/io/hf-config.js';
import { initialWeights } from '../src/models/init-model-weights.js';
import { CausalLM } from '../src/models/model.js';
import { linear } from '../src/nn/linear.js';
import { Runtime, type Feed } from '../src/runtime/runtime.js';
import { mulberry32 } from '../src/testing/random.js';
import { flags, round, runPeer } from './peer.js';

const opts = flags({ prompt: '256', new: '64', reps: '5', threads: String(availableParallelism()), peer: 'yes' });
const promptLength = Number(opts.prompt);
const newTokens = Number(opts.new);
const reps = Number(opts.reps);
const threads = Number(opts.threads);
const shape = { hidden: 576, layers: 30, heads: 9, kvHeads: 3, intermediate: 1536, vocab: 49152, ropeTheta: 100000, eps: 1e-5 };

function smolLm2Model(): CausalLM {
  const config = parseHfConfig({
    model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: shape.hidden, num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads, num_key_value_heads: shape.kvHeads, intermediate_size: shape.intermediate,
    vocab_size: shape.vocab, max_position_embeddings: 8192, rope_theta: shape.ropeTheta, rms_norm_eps: shape.eps,
    tie_word_embeddings: true, bos_token_id: 1, eos_token_id: 2, torch_dtype: 'float32',
  }, 'bench:smollm2-135m/config.json');
  const probe = CausalLM.fromWeights('bench:smollm2-135m', config, new Map());
  return CausalLM.fromWeights('bench:smollm2-135m', config, initialWeights(probe.shapes, { std: 0.02 }, 0));
}

/** One greedy generation; seconds to the first token (prefill) and per later token (decode). */
async function timeGeneration(rt: Runtime, model: CausalLM, prompt: number[], count: number) {
  const started = performance.now();
  const stamps: number[] = [];
  await generateTokens(rt, model, [prompt], { maxNewTokens: count, onToken: () => void stamps.push(performance.now()) });
  const prefill = (stamps[0]! - started) / 1000;
  const decode = (stamps[stamps.length - 1]! - stamps[0]!) / 1000 / Math.max(1, stamps.length - 1);
  return { prefill, decode, tokens: stamps.length };
}

/**
 * Bytes per second, measured each round: a 256 MB Float32Array copy (read + write, STREAM's
 * convention), and ORT streaming a resident 256 MB matrix through a one-row MatMul (how decode
 * reads its weights).
 */
async function memoryBandwidth(rt: Runtime) {
  const n = 64 << 20;
  const src = new Float32Array(n).fill(0.001);
  const dst = new Float32Array(n);
  const k = 4096;
  const g = new Graph();
  const x = g.input('x', [1, k]);
  const w = g.input('w', [k, n / k]);
  const exe = await rt.compile(g, { y: g.reduceSum(g.matMul(x, w), [1]) });
  const resident = await rt.upload('bench:bandwidth', { data: src.slice(), shape: [k, n / k], dtype: 'float32' }, { transfer: true });
  const row = new Float32Array(k).fill(1);
  await exe.run({ x: row, w: resident });
  return async () => {
    let copy = Infinity;
    let read = Infinity;
    for (let r = 0; r < 3; r++) {
      let t0 = performance.now();
      dst.set(src);
      copy = Math.min(copy, (performance.now() - t0) / 1000);
      t0 = performance.now();
      await exe.run({ x: row, w: resident });
      read = Math.min(read, (performance.now() - t0) / 1000);
    }
    return { copyBytesPerS: (2 * 4 * n) / copy, readBytesPerS: (4 * n) / read };
  };
}

/**
 * Seconds for the weight products of one decode token alone: every 2-D weight (the tied embedding
 * as the head) times one row, as the model lays them out, in one session run over the model's
 * resident weights. What decode would take if nothing but its weight reads cost time. Returns a
 * measurement: the median of 7 runs.
 */
async function productsAlone(rt: Runtime, model: CausalLM): Promise<() => Promise<number>> {
  const g = new Graph();
  const rows = new Map<number, Tensor>();
  const row = (width: number) => rows.get(width) ?? rows.set(width, g.input(`row.${width}`, [1, 1, width])).get(width)!;
  let total: Tensor | undefined;
  const residents = await model.residentWeights(rt);
  const feeds: Record<string, Feed> = {};
  for (const [name, shape] of model.shapes) {
    if (shape.length !== 2 || !residents.has(name)) continue;
    const y = g.reduceSum(linear(g, row(shape[1]!), g.input(name, shape)), [0, 1, 2]);
    total = total ? g.add(total, y) : y;
    feeds[name] = residents.get(name)!;
  }
  const exe = await rt.compile(g, { y: total! });
  for (const width of rows.keys()) feeds[`row.${width}`] = new Float32Array(width).fill(0.01);
  await exe.run(feeds);
  return async () => {
    const times: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      await exe.run(feeds);
      times.push((performance.now() - t0) / 1000);
    }
    return times.sort((a, b) => a - b)[times.length >> 1]!;
  };
}

const model = smolLm2Model();
const weightBytes = [...model.hostWeights().values()].reduce((sum, w) => sum + w.byteLength, 0);
const random = mulberry32(1);
const prompt = Array.from({ length: promptLength }, () => 3 + Math.floor(random() * (shape.vocab - 3)));
const rt = new Runtime({ threads });
const measureBandwidth = await memoryBandwidth(rt);

const compileStart = performance.now();
await timeGeneration(rt, model, prompt, 4); // compiles the prefill and decode graphs of this bucket
const warmup = (performance.now() - compileStart) / 1000;
const measureProducts = await productsAlone(rt, model);
// The host's memory bandwidth drifts between seconds (other guests share it): each round measures
// the bandwidth next to a generation and the products alone, and each figure is its best round,
// so decode is compared with the highest bandwidth seen; each round's decode against that round's
// own bandwidth is printed too (the median of those paired fractions).
const bandwidth = { copyBytesPerS: 0, readBytesPerS: 0 };
const paired: number[] = [];
let prefill = Infinity;
let decode = Infinity;
let products = Infinity;
for (let r = 0; r < reps; r++) {
  const measured = await measureBandwidth();
  bandwidth.copyBytesPerS = Math.max(bandwidth.copyBytesPerS, measured.copyBytesPerS);
  bandwidth.readBytesPerS = Math.max(bandwidth.readBytesPerS, measured.readBytesPerS);
  const run = await timeGeneration(rt, model, prompt, newTokens);
  prefill = Math.min(prefill, run.prefill);
  decode = Math.min(decode, run.decode);
  paired.push(weightBytes / run.decode / Math.max(measured.copyBytesPerS, measured.readBytesPerS));
  products = Math.min(products, await measureProducts());
}
await rt.close();

const tuna = { prefillTokensPerS: promptLength / prefill, decodeTokensPerS: 1 / decode };
// The faster of the two measurements bounds decode: every weight read once per token.
const boundTokensPerS = Math.max(bandwidth.readBytesPerS, bandwidth.copyBytesPerS) / weightBytes;
const productsFraction = 1 / products / boundTokensPerS;
const pairedMedian = [...paired].sort((a, b) => a - b)[paired.length >> 1]!;
console.log(`model: SmolLM2-135M shape, ${(weightBytes / 1e6).toFixed(0)} MB fp32 weights, ${threads} threads; first run with compiles ${warmup.toFixed(1)} s`);
console.log(`tuna prefill (${promptLength} tokens, batch 1): ${tuna.prefillTokensPerS.toFixed(1)} tokens/s (${(prefill * 1000).toFixed(0)} ms)`);
console.log(`tuna decode (${newTokens} tokens, greedy): ${tuna.decodeTokensPerS.toFixed(1)} tokens/s (${(decode * 1000).toFixed(1)} ms/token)`);
console.log(`memory (best of ${reps} rounds): copy ${(bandwidth.copyBytesPerS / 1e9).toFixed(1)} GB/s, ORT one-row MatMul ${(bandwidth.readBytesPerS / 1e9).toFixed(1)} GB/s -> ` +
  `at most ${boundTokensPerS.toFixed(1)} tokens/s; decode at ${(tuna.decodeTokensPerS / boundTokensPerS).toFixed(2)} of that ` +
  `(each round against its own bandwidth: median ${pairedMedian.toFixed(2)}, rounds ${paired.map((f) => f.toFixed(2)).join(' ')})`);
console.log(`a token's weight products alone (best round's median of 7 runs): ${(products * 1000).toFixed(1)} ms, ${productsFraction.toFixed(2)} of the bound; ` +
  `the rest of a decode step ${((decode - products) * 1000).toFixed(1)} ms`);

let peer: { prefill_tokens_per_s: number; decode_tokens_per_s: number } | undefined;
let peerNote: string | undefined;
if (opts.peer !== 'no') {
  const script = resolve(dirname(fileURLToPath(import.meta.url)), 'torch_generate_peer.py');
  const result = runPeer<{ prefill_tokens_per_s: number; decode_tokens_per_s: number }>(script, [
    '--prompt', String(promptLength), '--new', String(newTokens), '--reps', String(reps), '--threads', String(threads),
  ]);
  peer = result.rows[0];
  peerNote = result.note;
  if (peer) {
    console.log(`pytorch eager peer: prefill ${peer.prefill_tokens_per_s.toFixed(1)} tokens/s, decode ${peer.decode_tokens_per_s.toFixed(1)} tokens/s`);
    console.log(`tuna / pytorch: prefill ${(tuna.prefillTokensPerS / peer.prefill_tokens_per_s).toFixed(2)}x (target 1.0x), ` +
      `decode ${(tuna.decodeTokensPerS / peer.decode_tokens_per_s).toFixed(2)}x (target 1.2x)`);
  } else {
    console.log(`pytorch peer: ${peerNote}`);
  }
}

console.log(JSON.stringify({
  bench: 'generate', threads, prompt_tokens: promptLength, new_tokens: newTokens, weight_mb: round(weightBytes / 1e6),
  prefill_tokens_per_s: round(tuna.prefillTokensPerS), decode_tokens_per_s: round(tuna.decodeTokensPerS),
  decode_ms_per_token: round(decode * 1000, 2), first_run_s: round(warmup, 2),
  copy_gb_per_s: round(bandwidth.copyBytesPerS / 1e9, 2), read_gb_per_s: round(bandwidth.readBytesPerS / 1e9, 2),
  decode_bound_tokens_per_s: round(boundTokensPerS), decode_fraction_of_bandwidth: round(tuna.decodeTokensPerS / boundTokensPerS, 3),
  decode_fraction_paired_median: round(pairedMedian, 3),
  products_ms_per_token: round(products * 1000, 2), products_fraction_of_bandwidth: round(productsFraction, 3),
  peer_prefill_tokens_per_s: peer ? round(peer.prefill_tokens_per_s) : null, peer_decode_tokens_per_s: peer ? round(peer.decode_tokens_per_s) : null,
  prefill_vs_peer: peer ? round(tuna.prefillTokensPerS / peer.prefill_tokens_per_s, 2) : null,
  decode_vs_peer: peer ? round(tuna.decodeTokensPerS / peer.decode_tokens_per_s, 2) : null,
  ...(peerNote ? { peer_note: peerNote } : {}),
}));
