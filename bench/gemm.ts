// fp32 MatMul GFLOP/s of the engine against torch.mm (OpenBLAS) in the same run.
// The engine's MatMul runs inside a graph whose output is one element per product (onnxruntime
// copies every output), with several independent products per run so the fixed cost of one run
// (worker round trip, about 0.3 ms) is spread the way it is in a real training step.
//   npm run bench:gemm -- [--shapes 512x576x1536,1024x1024x1024,2048x2048x2048] [--reps 5] [--rounds 3]
import { availableParallelism } from 'node:os';
import { Graph } from '../src/graph/graph.js';
import type { Tensor } from '../src/graph/tensor.js';
import { Runtime, type Feed } from '../src/runtime/runtime.js';
import { flags, round, runPeer } from './peer.js';

const opts = flags({ shapes: '512x576x1536,1024x1024x1024,2048x2048x2048', reps: '5', rounds: '3', threads: String(availableParallelism()) });
const shapes = opts.shapes.split(',').map((s) => s.split('x').map(Number) as [number, number, number]);
const reps = Number(opts.reps);
const threads = Number(opts.threads);

function randomArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Best seconds per MatMul with B fed as an input ("input") or baked in as an initializer ("initializer"). */
async function timeEngine(rt: Runtime, m: number, k: number, n: number, mode: 'input' | 'initializer'): Promise<number> {
  const copies = Math.max(1, Math.min(16, Math.round(8e9 / (2 * m * k * n))));
  const g = new Graph();
  const bData = randomArray(k * n, 2);
  const b = mode === 'input' ? g.input('b', [k, n]) : g.constant(bData, [k, n], 'float32');
  const corners: Tensor[] = [];
  for (let i = 0; i < copies; i++) {
    const a = g.input(`a${i}`, [m, k]);
    corners.push(g.slice(g.matMul(a, b), [0, 0], [1, 1]));
  }
  const exe = await rt.compile(g, { corners: g.concat(corners, 0) });
  const feeds: Record<string, Feed> = {};
  for (let i = 0; i < copies; i++) {
    feeds[`a${i}`] = await rt.upload(`gemm_a${i}_${m}x${k}`, { data: randomArray(m * k, 10 + i), shape: [m, k], dtype: 'float32' });
  }
  if (mode === 'input') feeds.b = await rt.upload(`gemm_b_${k}x${n}`, { data: bData, shape: [k, n], dtype: 'float32' });
  await exe.run(feeds);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await exe.run(feeds);
    best = Math.min(best, (performance.now() - t0) / 1000 / copies);
  }
  return best;
}

// This machine's speed drifts (shared hosts): for each shape, measure the engine and then the peer
// right after it, for a few rounds, and keep each side's best, so neither is measured only in a
// slow spell and both sides of a ratio come from the same minute.
const rt = new Runtime({ threads });
interface Side { input: number[]; initializer: number[]; torch: (number | null)[] }
const measured = new Map<string, Side>(shapes.map(([m, k, n]) => [`${m}x${k}x${n}`, { input: [], initializer: [], torch: [] }]));
let peerNote: string | undefined;
for (let pass = 0; pass < Number(opts.rounds); pass++) {
  for (const [m, k, n] of shapes) {
    const flops = 2 * m * k * n;
    const key = `${m}x${k}x${n}`;
    const side = measured.get(key)!;
    side.input.push(flops / (await timeEngine(rt, m, k, n, 'input')) / 1e9);
    side.initializer.push(flops / (await timeEngine(rt, m, k, n, 'initializer')) / 1e9);
    const peer = runPeer<{ gflops: number }>('gemm_bench.py', [
      '--threads', String(threads), '--dtypes', 'float32', '--reps', String(reps), '--shapes', key,
    ]);
    if (!peer.ok) peerNote = peer.note;
    side.torch.push(peer.rows[0]?.gflops ?? null);
    console.log(`round ${pass + 1} ${key}: tuna ${round(side.input.at(-1)!)} (B fed), ${round(side.initializer.at(-1)!)} (B initializer); torch ${side.torch.at(-1) ?? '-'} GFLOP/s`);
  }
}
await rt.close();

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rows = shapes.map(([m, k, n]) => {
  const side = measured.get(`${m}x${k}x${n}`)!;
  const input = Math.max(...side.input);
  const initializer = Math.max(...side.initializer);
  const torchRuns = side.torch.filter((t): t is number => t !== null);
  const torch = torchRuns.length ? Math.max(...torchRuns) : null;
  // The ratio of each round's two adjacent measurements: less exposed to the host's drift than best against best.
  const paired = side.torch.flatMap((t, i) => (t === null ? [] : [side.input[i]! / t]));
  console.log(`tuna   ${m}x${k}x${n}: ${input.toFixed(1)} GFLOP/s (B fed), ${initializer.toFixed(1)} GFLOP/s (B initializer)`);
  if (torch !== null) {
    console.log(`torch  ${m}x${k}x${n}: ${torch} GFLOP/s -> ratio ${(input / torch).toFixed(2)} (fed), ${(initializer / torch).toFixed(2)} (initializer), median of paired rounds ${median(paired).toFixed(2)}`);
  }
  return {
    m, k, n, tuna_gflops: round(input), tuna_initializer_gflops: round(initializer), torch_gflops: torch,
    ratio: torch ? round(input / torch, 3) : null, ratio_initializer: torch ? round(initializer / torch, 3) : null,
    ratio_paired_median: paired.length ? round(median(paired), 3) : null,
  };
});
console.log(JSON.stringify({ bench: 'gemm', threads, reps, rounds: Number(opts.rounds), shapes: rows, peer: peerNote ?? 'torch.mm float32 (OpenBLAS)' }));
