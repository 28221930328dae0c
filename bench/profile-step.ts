// Profiles one training step's graph with onnxruntime's profiler: time per op type, and the
// session arena's in-use peak and held bytes (the arena grows by doubling regions, up to 1 GB each).
//   node --import tsx bench/profile-step.ts [--mode lora|full] [--layers 4] [--batch 4] [--seq 256]
//                                          [--shape smollm2_135m|tinyllama_1_1b] [--base fp32|int8] [--targets all-linear] [--checkpointing 1|selective] [--runs 4]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { int8Feeds } from '../src/adapters/int8/int8-linear.js';
import { LoraModel } from '../src/adapters/lora/lora-model.js';
import { lowerToOnnx } from '../src/onnx/lower.js';
import { disableOnnxRuntimeTelemetry } from '../src/runtime/runtime.js';
import { buildMicroStep } from '../src/train/step-graphs.js';
import { applyRecomputation } from '../src/train/options.js';
import { fullTarget, loraTarget } from '../src/train/targets.js';
import { collate } from '../src/train/batching.js';
import { randomModel, type ShapeName } from './model-shapes.js';
import { flags } from './peer.js';

const opts = flags({ mode: 'lora', layers: '4', batch: '4', seq: '256', arena: '1', dir: '/tmp', shape: 'smollm2_135m', base: 'fp32', targets: '', checkpointing: '', nodes: '', runs: '4' });
disableOnnxRuntimeTelemetry();
const ort = createRequire(import.meta.url)('onnxruntime-node');
const B = Number(opts.batch);
const T = Number(opts.seq);
const model = randomModel(opts.shape as ShapeName, { num_hidden_layers: Number(opts.layers) }, 1, opts.base === 'int8' ? 'int8' : false);
applyRecomputation(model, opts.checkpointing === 'selective' ? 'selective' : opts.checkpointing ? 'on' : 'off');
const targetModules = opts.targets === 'all-linear' ? 'all-linear' : opts.targets ? opts.targets.split(',') : null;
const target = opts.mode === 'full' ? fullTarget(model) : loraTarget(new LoraModel(model, { r: 16, loraAlpha: 32, targetModules }), 'p');
const { graph, outputs } = buildMicroStep(model, { batch: B, length: T }, target.trainables, { hook: target.hook, accumulate: false });
const lowered = lowerToOnnx(graph, outputs);
const session = await ort.InferenceSession.create(lowered.bytes, {
  intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', enableMemPattern: false,
  extra: { session: { set_denormal_as_zero: '1' } }, enableProfiling: true, profileFilePrefix: `${opts.dir}/tuna-prof`, enableCpuMemArena: opts.arena === '1',
});
const ids = Array.from({ length: B }, (_, r) => Array.from({ length: T }, (_, i) => (r * 997 + i * 31) % model.config.vocabSize));
const c = collate(ids.map((x) => ({ inputIds: x, labels: x })), { rows: Array.from({ length: B }, (_, i) => i), length: T }, 0);
const int8 = model.int8Tensors().flatMap(([key, t]) => Object.entries(int8Feeds(key, t)));
const host: Record<string, unknown> = { ...Object.fromEntries(model.hostWeights()), ...Object.fromEntries(int8), ...model.batchFeeds({ ids: c.ids, attentionMask: c.mask }), targets: c.targets, loss_scale: new Float32Array([1 / c.tokens]) };
for (const [k, v] of target.initial()) host[k] = v;
const feeds: Record<string, unknown> = {};
for (const spec of lowered.inputs) {
  const v = host[spec.name] as { data?: unknown } | ArrayBufferView;
  const data = ArrayBuffer.isView(v) ? v : (v as { data: unknown }).data;
  feeds[spec.name] = new ort.Tensor(spec.dtype, data, [...spec.shape]);
}
// The first run faults in every buffer the arena hands out (a few hundred ms on large
// intermediates): it is left out of the figures below, which average the later runs.
const runs = Number(opts.runs);
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  await session.run(feeds);
  console.log(`run ${i}: ${(performance.now() - t0).toFixed(0)} ms`);
}
// onnxruntime-node writes `<prefix>_<date>.json` and returns nothing: take the newest such file.
session.endProfiling();
const file = readdirSync(opts.dir).filter((f) => f.startsWith('tuna-prof') && f.endsWith('.json'))
  .map((f) => join(opts.dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
const allEvents = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; ts: number; dur: number; args?: Record<string, string> }[];
const runStarts = allEvents.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => e.ts).sort((a, b) => a - b);
const measured = runStarts.length - 1;
const events = allEvents.filter((e) => e.ts >= runStarts[1]!);
const byOp = new Map<string, number>();
let total = 0;
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const op = e.args?.op_name ?? '?';
  byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
  total += e.dur;
}
console.log(`nodes: ${lowered.nodeCount}; kernel time per run (${measured} runs after the first): ${(total / 1000 / measured).toFixed(0)} ms; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${op.padEnd(24)} ${(us / 1000 / measured).toFixed(1).padStart(7)} ms  ${((100 * us) / total).toFixed(1)}%`);
const mb = (key: string) => Math.round(Math.max(...allEvents.map((e) => Number(e.args?.[key] ?? 0))) / 1048576);
console.log(`arena: in-use peak ${mb('mem_in_use_peak')} MB, held ${mb('mem_arena_held')} MB`);
if (opts.nodes) {
  const byNode = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const key = `${e.args?.op_name} ${e.name.replace(/_kernel_time$/, '')} ${JSON.stringify(e.args?.output_type_shape ?? "")}`;
    byNode.set(key, (byNode.get(key) ?? 0) + e.dur);
  }
  for (const [k, us] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, Number(opts.nodes))) console.log(`${(us / 1000 / measured).toFixed(1).padStart(7)} ms/run  ${k.slice(0, 160)}`);
}
