// The code that runs inside the session worker thread. It is shipped to the worker as source text
// (Function.prototype.toString), so it must not refer to anything outside its own body; the
// optimizer kernels come in as a parameter, shipped the same way.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { AdamWKernels, HelperReply, HelperRequest } from './adamw-helper.js';
import type { AdamWArrays, AdamWSettings } from './adamw-kernel.js';

export interface WireTensor {
  data: any;
  dims: number[];
  dtype: string;
}

export type WireFeed = WireTensor | { resident: string };

export type WorkerRequest =
  | { kind: 'create'; id: number; session: number; bytes: Uint8Array; threads: number }
  | { kind: 'release'; id: number; session: number }
  | { kind: 'upload'; id: number; name: string; tensor: WireTensor }
  | { kind: 'free'; id: number; name: string }
  | { kind: 'read'; id: number; name: string }
  | { kind: 'run'; id: number; session: number; feeds: Record<string, WireFeed>; fetch: string[]; keep: Record<string, string>; scatter: WireScatter[] }
  | ({ kind: 'adamw'; id: number; tensors: WireAdamWTensor[]; releaseGrads: boolean; threads: number } & AdamWSettings);

/** Resident names of one tensor's AdamW state. */
export interface WireAdamWTensor {
  param: string;
  m: string;
  v: string;
  grad: string;
  decay: boolean;
}

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
  /** Source text of the AdamW helper thread, started on the first large update. */
  helperSource: string;
}

export function workerBody(req: (id: string) => any, data: WorkerData, kernels: AdamWKernels): void {
  const ort = req(data.ortPath);
  const { parentPort } = req('node:worker_threads');
  // Replaced residents (updated weights, optimizer state) are large buffers the collector does
  // not hurry to free; collecting after big replacements keeps one copy alive instead of several.
  req('v8').setFlagsFromString('--expose-gc');
  const collect: () => void = req('vm').runInNewContext('gc');
  const sessions = new Map<number, any>();
  const residents = new Map<string, any>();

  // The AdamW step, in place on the residents: the next run reads the same arrays. With two or more
  // threads a helper thread takes about half of the elements (buffers moved there and back).
  let helper: any = null;
  const waiting: ((reply: HelperReply) => void)[] = [];
  function callHelper(msg: HelperRequest, transfer: ArrayBuffer[]): Promise<HelperReply & { ok: true }> {
    if (!helper) {
      helper = new (req('node:worker_threads').Worker)(data.helperSource, { eval: true });
      helper.unref();
      helper.on('message', (reply: HelperReply) => waiting.shift()?.(reply));
      helper.on('error', (err: any) => waiting.splice(0).forEach((w) => w({ ok: false, message: `adamw helper: ${err?.message ?? err}` })));
    }
    return new Promise((resolve, reject) => {
      waiting.push((reply) => (reply.ok ? resolve(reply) : reject(new Error(reply.message))));
      helper.postMessage(msg, transfer);
    });
  }

  async function adamw(msg: Extract<WorkerRequest, { kind: 'adamw' }>): Promise<number> {
    const { lr, beta1, beta2, eps, weightDecay, step, maxGradNorm } = msg;
    const settings: AdamWSettings = { lr, beta1, beta2, eps, weightDecay, step, maxGradNorm };
    const get = (name: string): Float32Array => {
      const data = residents.get(name)?.data;
      if (!(data instanceof Float32Array)) throw new Error(`adamw: no float32 resident tensor "${name}"`);
      return data;
    };
    const arrays = msg.tensors.map((t) => {
      const a: AdamWArrays = { param: get(t.param), m: get(t.m), v: get(t.v), grad: get(t.grad), decay: t.decay };
      if (a.m.length !== a.param.length || a.v.length !== a.param.length || a.grad.length !== a.param.length) {
        throw new Error(`adamw: "${t.param}" has ${a.param.length} elements but its state has ${a.m.length} (m), ${a.v.length} (v), ${a.grad.length} (grad)`);
      }
      return a;
    });
    const gradBytes = arrays.reduce((n, a) => n + a.grad.byteLength, 0);
    // A tensor can move to the helper when no other resident shares its buffers.
    const users = new Map<ArrayBufferLike, number>();
    for (const r of residents.values()) users.set(r.data.buffer, (users.get(r.data.buffer) ?? 0) + 1);
    const movable = arrays.map((a) => [a.param, a.m, a.v, a.grad].every((x) => users.get(x.buffer) === 1));
    const remote = kernels.helperShare(arrays.map((a) => a.param.length), movable, msg.threads);
    const local = arrays.filter((_, i) => !remote.includes(i));
    let norm: number;
    if (remote.length === 0) {
      norm = Math.sqrt(kernels.sumOfSquares(arrays));
      kernels.adamwUpdate(arrays, settings, kernels.clipFactor(norm, maxGradNorm));
    } else {
      // Both threads sum their squares, then both update with the clip factor of the whole.
      const moved = remote.map((i) => arrays[i]!);
      const transfer = moved.flatMap((a) => [a.param.buffer, a.m.buffer, a.v.buffer, a.grad.buffer] as ArrayBuffer[]);
      const theirs = callHelper({ kind: 'norm', tensors: moved }, transfer);
      const ours = kernels.sumOfSquares(local);
      norm = Math.sqrt(ours + (await theirs).sumSq!);
      const clip = kernels.clipFactor(norm, maxGradNorm);
      const done = callHelper({ kind: 'update', settings, clip, returnGrads: !msg.releaseGrads }, []);
      kernels.adamwUpdate(local, settings, clip);
      const back = (await done).tensors!;
      remote.forEach((i, k) => {
        const t = msg.tensors[i]!;
        const rewrap = (name: string, array: Float32Array) => residents.set(name, new ort.Tensor('float32', array, residents.get(name).dims));
        rewrap(t.param, back[k]!.param);
        rewrap(t.m, back[k]!.m);
        rewrap(t.v, back[k]!.v);
        if (back[k]!.grad) rewrap(t.grad, back[k]!.grad!);
      });
    }
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
      const options = { intraOpNumThreads: msg.threads, interOpNumThreads: 1, executionMode: 'sequential', enableMemPattern: false };
      let session;
      try {
        session = await ort.InferenceSession.create(msg.bytes, { ...options, graphOptimizationLevel: 'all' });
      } catch {
        // Some fusions (e.g. QuickGelu) have float32 kernels only; basic optimisation keeps every op as built.
        session = await ort.InferenceSession.create(msg.bytes, { ...options, graphOptimizationLevel: 'basic' });
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
      return { id: msg.id, ok: true };
    }
    if (msg.kind === 'read') {
      const t = residents.get(msg.name);
      if (!t) throw new Error(`no resident tensor "${msg.name}"`);
      const data = t.data.slice();
      return { id: msg.id, ok: true, outputs: { [msg.name]: { data, dims: [...t.dims], dtype: t.type } }, transfer: [data.buffer] };
    }
    if (msg.kind === 'adamw') return { id: msg.id, ok: true, gradNorm: await adamw(msg) };
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

  // One request at a time: an AdamW step lends buffers to its helper thread, and no other request
  // may see them meanwhile.
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
