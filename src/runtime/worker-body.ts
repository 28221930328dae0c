// The code that runs inside the session worker thread. It is shipped to the worker as source text
// (Function.prototype.toString), so it must not refer to anything outside its own body; the
// optimizer kernels come in as a parameter, shipped the same way.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { AdamWNames, AdamWSettings, createWasmAdamW } from './adamw-memory.js';

export interface WireTensor {
  data: any;
  dims: number[];
  dtype: string;
}

export type WireFeed = WireTensor | { resident: string };

export type WorkerRequest =
  | { kind: 'create'; id: number; session: number; bytes: Uint8Array; threads: number; hash: string; keepOptimized: boolean; arena: boolean }
  | { kind: 'release'; id: number; session: number }
  | { kind: 'upload'; id: number; name: string; tensor: WireTensor }
  | { kind: 'free'; id: number; name: string }
  | { kind: 'read'; id: number; name: string }
  | { kind: 'run'; id: number; session: number; feeds: Record<string, WireFeed>; fetch: string[]; keep: Record<string, string>; scatter: WireScatter[] }
  | ({ kind: 'adamw'; id: number; tensors: AdamWNames[]; releaseGrads: boolean } & AdamWSettings)
  | { kind: 'close'; id: number };

/** Copy chunk i (of `chunk` elements) of an output into a resident tensor at element offset offsets[i]. */
export interface WireScatter {
  output: string;
  resident: string;
  offsets: Int32Array | number[];
  chunk: number;
}

export type WorkerReply =
  | { id: number; ok: true; outputs?: Record<string, WireTensor>; gradNorm?: number }
  | { id: number; ok: false; message: string };

export interface WorkerData {
  ortPath: string;
  /** The AdamW WebAssembly module (adamw-wasm.ts). */
  adamwWasm: Uint8Array;
}

export function workerBody(req: (id: string) => any, data: WorkerData, kernels: { createWasmAdamW: typeof createWasmAdamW }): void {
  const ort = req(data.ortPath);
  const { parentPort } = req('node:worker_threads');
  // Replaced residents (updated weights, optimizer state) are large buffers the collector does
  // not hurry to free; collecting after big replacements keeps one copy alive instead of several.
  req('v8').setFlagsFromString('--expose-gc');
  const collect: () => void = req('vm').runInNewContext('gc');
  const sessions = new Map<number, any>();
  // Optimized forms of models that may be released and compiled again, by hash: loading one skips
  // the graph optimizations, which take most of a session's creation time.
  const optimized = new Map<string, Uint8Array>();
  const { tmpdir } = req('node:os');
  const { join } = req('node:path');
  const { readFileSync, rmSync } = req('node:fs');
  const residents = new Map<string, any>();

  // The AdamW step, in place on the residents: the next run reads the same arrays.
  const optimizer = kernels.createWasmAdamW(ort, residents, new WebAssembly.Module(data.adamwWasm), collect);
  function adamw(msg: Extract<WorkerRequest, { kind: 'adamw' }>): number {
    const { lr, beta1, beta2, eps, weightDecay, step, maxGradNorm } = msg;
    const gradBytes = msg.tensors.reduce((n, t) => n + (residents.get(t.grad)?.data.byteLength ?? 0), 0);
    const norm = optimizer.step(msg.tensors, { lr, beta1, beta2, eps, weightDecay, step, maxGradNorm });
    if (msg.releaseGrads) {
      for (const t of msg.tensors) residents.delete(t.grad);
      if (gradBytes > 256 * 1024 * 1024) collect();
    }
    return norm;
  }

  async function handle(msg: WorkerRequest): Promise<WorkerReply & { transfer?: ArrayBuffer[] }> {
    if (msg.kind === 'create') {
      // No memory pattern: for training graphs its one planned block for all intermediates raised
      // peak memory by about 2 GB on a 135M-parameter step, with no gain in speed (measured).
      // Denormals as zero: exp of a causally masked score or of a far-off token's log-probability
      // lands in float32's denormal range, where x86 arithmetic is many times slower (a causal
      // attention Softmax ran 4x slower with them); values below 1.2e-38 change nothing here.
      const options = {
        intraOpNumThreads: msg.threads, interOpNumThreads: 1, executionMode: 'sequential', enableMemPattern: false,
        enableCpuMemArena: msg.arena,
        extra: { session: { set_denormal_as_zero: '1' } },
      };
      const known = optimized.get(msg.hash);
      if (known) {
        sessions.set(msg.session, await ort.InferenceSession.create(known, { ...options, graphOptimizationLevel: 'disabled' }));
        return { id: msg.id, ok: true };
      }
      const path = join(tmpdir(), `tuna-ort-${process.pid}-${msg.session}.onnx`);
      // Writing the optimized model logs a warning that it suits this machine only, which it is for.
      const save = msg.keepOptimized ? { optimizedModelFilePath: path, logSeverityLevel: 3 } : {};
      let session;
      try {
        session = await ort.InferenceSession.create(msg.bytes, { ...options, ...save, graphOptimizationLevel: 'all' });
      } catch {
        // Some fusions (e.g. QuickGelu) have float32 kernels only; basic optimisation keeps every op as built.
        session = await ort.InferenceSession.create(msg.bytes, { ...options, ...save, graphOptimizationLevel: 'basic' });
      }
      if (msg.keepOptimized) {
        try {
          optimized.set(msg.hash, readFileSync(path));
        } finally {
          rmSync(path, { force: true });
        }
      }
      sessions.set(msg.session, session);
      return { id: msg.id, ok: true };
    }
    if (msg.kind === 'release') {
      await sessions.get(msg.session)?.release();
      sessions.delete(msg.session);
      return { id: msg.id, ok: true };
    }
    if (msg.kind === 'upload') {
      residents.set(msg.name, new ort.Tensor(msg.tensor.dtype, msg.tensor.data, msg.tensor.dims));
      return { id: msg.id, ok: true };
    }
    if (msg.kind === 'free') {
      residents.delete(msg.name);
      optimizer.forget(msg.name);
      return { id: msg.id, ok: true };
    }
    if (msg.kind === 'read') {
      const t = residents.get(msg.name);
      if (!t) throw new Error(`no resident tensor "${msg.name}"`);
      const data = t.data.slice();
      return { id: msg.id, ok: true, outputs: { [msg.name]: { data, dims: [...t.dims], dtype: t.type } }, transfer: [data.buffer] };
    }
    if (msg.kind === 'adamw') return { id: msg.id, ok: true, gradNorm: adamw(msg) };
    if (msg.kind === 'close') {
      for (const session of sessions.values()) await session.release();
      sessions.clear();
      residents.clear();
      return { id: msg.id, ok: true };
    }
    const session = sessions.get(msg.session);
    const feeds: Record<string, any> = {};
    for (const [name, feed] of Object.entries(msg.feeds)) {
      if ('resident' in feed) {
        const t = residents.get(feed.resident);
        if (!t) throw new Error(`input "${name}": resident tensor "${feed.resident}" was not uploaded`);
        feeds[name] = t;
      } else {
        feeds[name] = new ort.Tensor(feed.dtype, feed.data, feed.dims);
      }
    }
    const results = await session.run(feeds);
    for (const s of msg.scatter) {
      const from = results[s.output]?.data;
      const to = residents.get(s.resident)?.data;
      if (!from || !to) throw new Error(`scatter: no output "${s.output}" or resident "${s.resident}"`);
      for (let i = 0; i < s.offsets.length; i++) {
        to.set(from.subarray(i * s.chunk, (i + 1) * s.chunk), s.offsets[i]);
      }
    }
    const outputs: Record<string, WireTensor> = {};
    const transfer = new Set<ArrayBuffer>();
    let replacedBytes = 0;
    for (const [name, t] of Object.entries(results) as [string, any][]) {
      const keepAs = msg.keep[name];
      if (keepAs !== undefined) {
        residents.set(keepAs, t);
        replacedBytes += t.data.byteLength;
      }
      if (!msg.fetch.includes(name)) continue;
      outputs[name] = { data: t.data, dims: [...t.dims], dtype: t.type };
      if (keepAs === undefined) transfer.add(t.data.buffer);
    }
    if (replacedBytes > 256 * 1024 * 1024) collect();
    return { id: msg.id, ok: true, outputs, transfer: [...transfer] };
  }

  // One request at a time, in order: an AdamW step must not change weights a session is reading.
  let queue: Promise<void> = Promise.resolve();
  parentPort.on('message', (msg: WorkerRequest) => {
    queue = queue.then(() => handle(msg)).then(
      (reply) => {
        const { transfer, ...rest } = reply;
        parentPort.postMessage(rest, transfer ?? []);
      },
      (err: any) => parentPort.postMessage({ id: msg.id, ok: false, message: String(err?.message ?? err) }),
    );
  });
}
