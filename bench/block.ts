// Forward+backward GFLOP/s of one SmolLM2-135M-shaped decoder layer (hidden 576, 9 heads, 3 kv
// heads, MLP 1536) at batch 4 x 256, as a fraction of the engine's measured GEMM rate in the same run.
//   npm run bench:block -- [--batch 4] [--seq 256] [--reps 5]
import { availableParallelism } from 'node:os';
import { causalMask, rmsNorm, silu } from '../src/graph/composite.js';
import { Graph } from '../src/graph/graph.js';
import type { Tensor } from '../src/graph/tensor.js';
import { gradients } from '../src/autodiff/grad.js';
import { attend, mergeHeads, splitHeads } from '../src/nn/attention.js';
import { linear } from '../src/nn/linear.js';
import { inverseFrequencies, ropeTables } from '../src/nn/rope.js';
import { Runtime, type Feed } from '../src/runtime/runtime.js';
import { flags, round } from './peer.js';

const opts = flags({ batch: '4', seq: '256', reps: '5', threads: String(availableParallelism()) });
const B = Number(opts.batch);
const T = Number(opts.seq);
const reps = Number(opts.reps);
const C = 576;
const H = 9;
const KV = 3;
const D = C / H;
const F = 1536;

const shapes: Record<string, number[]> = {
  'input_layernorm.weight': [C],
  'self_attn.q_proj.weight': [C, C],
  'self_attn.k_proj.weight': [KV * D, C],
  'self_attn.v_proj.weight': [KV * D, C],
  'self_attn.o_proj.weight': [C, C],
  'post_attention_layernorm.weight': [C],
  'mlp.gate_proj.weight': [F, C],
  'mlp.up_proj.weight': [F, C],
  'mlp.down_proj.weight': [C, F],
};

function randomArray(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

function buildLayer() {
  const g = new Graph();
  const p: Record<string, Tensor> = {};
  for (const [name, shape] of Object.entries(shapes)) p[name] = g.input(name, shape);
  const x = g.input('x', [B, T, C]);
  const probe = g.input('probe', [B, T, C]);
  const cos = g.input('cos', [B * T, D / 2]);
  const sin = g.input('sin', [B * T, D / 2]);
  const n1 = rmsNorm(g, x, p['input_layernorm.weight']!, 1e-5);
  const q = g.rotary(splitHeads(g, linear(g, n1, p['self_attn.q_proj.weight']!), H), cos, sin);
  const k = g.rotary(splitHeads(g, linear(g, n1, p['self_attn.k_proj.weight']!), KV), cos, sin);
  const v = splitHeads(g, linear(g, n1, p['self_attn.v_proj.weight']!), KV);
  const att = mergeHeads(g, attend(g, q, k, v, g.unsqueeze(causalMask(g, T), [0])));
  const h = g.add(x, linear(g, att, p['self_attn.o_proj.weight']!));
  const n2 = rmsNorm(g, h, p['post_attention_layernorm.weight']!, 1e-5);
  const mlp = linear(g, g.mul(silu(g, linear(g, n2, p['mlp.gate_proj.weight']!)), linear(g, n2, p['mlp.up_proj.weight']!)), p['mlp.down_proj.weight']!);
  const y = g.add(h, mlp);
  const loss = g.reduceSum(g.mul(y, probe), [0, 1, 2]);
  const names = Object.keys(shapes);
  const grads = gradients(g, loss, names.map((n) => p[n]!));
  // Only squared norms leave the session: onnxruntime copies every output.
  const outputs: Record<string, Tensor> = { loss };
  grads.forEach((t, i) => (outputs[`gradsq_${names[i]}`] = g.reduceSum(g.mul(t, t), t.shape.map((_, j) => j))));
  return { g, outputs };
}

async function bestSeconds(run: () => Promise<unknown>): Promise<number> {
  await run();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await run();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

const rt = new Runtime({ threads: Number(opts.threads) });
const { g, outputs } = buildLayer();
const exe = await rt.compile(g, outputs);
const feeds: Record<string, Feed> = {};
let seed = 1;
for (const [name, shape] of Object.entries(shapes)) {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = name.endsWith('layernorm.weight') ? new Float32Array(size).fill(1) : randomArray(size, seed++, 0.08);
  feeds[name] = await rt.upload(name, { data, shape, dtype: 'float32' });
}
feeds.x = await rt.upload('x', { data: randomArray(B * T * C, 99, 2), shape: [B, T, C], dtype: 'float32' });
feeds.probe = await rt.upload('probe', { data: randomArray(B * T * C, 98, 2), shape: [B, T, C], dtype: 'float32' });
const tables = ropeTables(Array.from({ length: B * T }, (_, i) => i % T), inverseFrequencies(D, 100000));
feeds.cos = tables.cos;
feeds.sin = tables.sin;
const stepSeconds = await bestSeconds(() => exe.run(feeds));

// Matmul FLOPs: projections and MLP per token, plus QK^T and AV over all T keys; backward is twice forward.
const N = B * T;
const forwardFlops = N * (2 * C * (C + 2 * KV * D + C) + 2 * 3 * C * F) + 2 * 2 * B * H * T * T * D;
const totalFlops = 3 * forwardFlops;
const gflops = totalFlops / stepSeconds / 1e9;

// The reference GEMM: the layer's largest product shape, inside the engine, in this run.
const gemm = new Graph();
const a = gemm.input('a', [N, C]);
const w = gemm.input('w', [C, F]);
const gemmExe = await rt.compile(gemm, { corner: gemm.slice(gemm.matMul(a, w), [0, 0], [1, 1]) });
const aRes = await rt.upload('gemm_a', { data: randomArray(N * C, 5, 1), shape: [N, C], dtype: 'float32' });
const wRes = await rt.upload('gemm_w', { data: randomArray(C * F, 6, 1), shape: [C, F], dtype: 'float32' });
const gemmGflops = (2 * N * C * F) / (await bestSeconds(() => gemmExe.run({ a: aRes, w: wRes }))) / 1e9;
await rt.close();

console.log(`layer fwd+bwd: ${(stepSeconds * 1000).toFixed(1)} ms, ${gflops.toFixed(1)} GFLOP/s, ${Math.round(N / stepSeconds)} tokens/s`);
console.log(`engine GEMM ${N}x${C}x${F}: ${gemmGflops.toFixed(1)} GFLOP/s -> layer at ${(gflops / gemmGflops).toFixed(2)} of GEMM`);
console.log(JSON.stringify({
  bench: 'block', batch: B, seq: T, step_ms: round(stepSeconds * 1000), gflops: round(gflops), tokens_per_s: round(N / stepSeconds),
  gemm_gflops: round(gemmGflops), fraction_of_gemm: round(gflops / gemmGflops, 3), onnx_nodes: exe.model.nodeCount,
}));
