// The only module that talks to onnxruntime-node. Sessions run in one worker thread so the main
// thread (progress bars, the HTTP server) stays responsive while a step computes. Large tensors
// that every step reads (frozen weights) are uploaded once and stay resident in the worker.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { dtypeOfArray, type DType, type TypedArray } from '../graph/dtype.js';
import type { Graph } from '../graph/graph.js';
import { formatShape, sameShape, sizeOf, type Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { lowerToOnnx, type LoweredModel, type ValueSpec } from '../onnx/lower.js';
import { createWasmAdamW, type AdamWSettings } from './adamw-memory.js';
import { adamwWasmBytes } from './adamw-wasm.js';
import { workerBody, type WireFeed, type WireTensor, type WorkerData, type WorkerReply, type WorkerRequest } from './worker-body.js';

export interface HostTensor {
  data: TypedArray;
  shape: Shape;
  dtype: DType;
}

/** A tensor that lives in the worker; feed it by handle instead of sending its data each run. */
export class Resident {
  constructor(readonly name: string, readonly shape: Shape, readonly dtype: DType) {}
}

export type Feed = HostTensor | TypedArray | Resident;

/** A feed that does not match the input it is given for. */
export class FeedError extends Error {
  override name = 'FeedError';
}

export interface RunOptions {
  /** Outputs to bring back to the main thread (default: all). */
  fetch?: string[];
  /** Keep these outputs in the worker as residents: `{ output: residentName }`. */
  keep?: Record<string, string>;
  /**
   * After the run, copy outputs into resident tensors in place: chunk i (of `chunk` elements) of
   * `output` goes to element offset `offsets[i]` of `resident` (e.g. new keys into a KV cache).
   */
  scatter?: { output: string; resident: string; offsets: Int32Array | number[]; chunk: number }[];
  /** Feeds that name no input of this model are dropped instead of being an error (one feed set for several graphs). */
  ignoreUnknown?: boolean;
  /** Move (not copy) fed arrays to the worker; they are unusable afterwards. */
  transfer?: boolean;
}

/** One AdamW step over resident float32 tensors (torch.optim.AdamW after global-norm clipping). */
export interface AdamWStep extends AdamWSettings {
  tensors: { param: Resident | string; m: Resident | string; v: Resident | string; grad: Resident | string; decay: boolean }[];
  /** Free the gradient residents afterwards (the next step makes new ones). */
  releaseGrads?: boolean;
}

export interface CompileOptions {
  /**
   * The caller may release the model and compile it again: the worker keeps its optimized form,
   * so the next compile of the same model skips graph optimization (most of the creation time).
   */
  reusable?: boolean;
  /**
   * onnxruntime's CPU memory arena for the session's intermediates (default true). It keeps what
   * a run freed for the next run, growing in regions of doubling size, so it can hold far more
   * than the runs ever use at once; without it freed buffers go back to the system (and new ones
   * cost page faults).
   */
  arena?: boolean;
}

export interface RuntimeOptions {
  /** Threads per session; defaults to the machine's available cores. */
  threads?: number;
}

const ORT_TYPE: Record<DType, string> = {
  float32: 'float32', float64: 'float64', float16: 'float16', int64: 'int64', int32: 'int32', uint8: 'uint8', int8: 'int8', bool: 'bool',
};

export class Runtime {
  readonly threads: number;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  private readonly cache = new Map<string, Promise<Executable>>();
  /** compileCached keys by the hash of the model they compiled, and how many callers hold each hash. */
  private readonly keysOf = new Map<string, Set<string>>();
  private readonly holders = new Map<string, number>();
  private closed = false;
  /** Set once the thread has ended (closed, or died): nothing it was asked will be answered. */
  private exited = false;

  constructor(options: RuntimeOptions = {}) {
    this.threads = options.threads ?? availableParallelism();
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    disableOnnxRuntimeTelemetry();
    // `__name` is the helper some transpilers insert to keep function names; the threads have no module scope.
    const kernels = `{ createWasmAdamW: ${createWasmAdamW} }`;
    const workerData: WorkerData = { ortPath, adamwWasm: adamwWasmBytes() };
    const source = `const __name = (f) => f;\n(${workerBody})(require, require('node:worker_threads').workerData, ${kernels});`;
    this.worker = new Worker(source, { eval: true, workerData });
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiter) return;
      if (reply.ok) waiter.resolve(reply);
      else waiter.reject(new Error(reply.message));
      if (this.pending.size === 0) this.worker.unref();
    });
    this.worker.on('error', (err) => this.failPending(err));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.failPending(new Error(`the runtime's worker thread ended (exit code ${code})`));
    });
  }

  /** Lowers and compiles a graph, reusing the session of an identical earlier model. */
  compile(graph: Graph, outputs: Record<string, Tensor>, options: CompileOptions = {}): Promise<Executable> {
    return this.compileLowered(lowerToOnnx(graph, outputs), options);
  }

  /** Compiles a graph built on demand: `build` runs only when `key` was not compiled before. */
  compileCached(key: string, build: () => { graph: Graph; outputs: Record<string, Tensor> }): Promise<Executable> {
    const hit = this.cache.get(`key:${key}`);
    if (hit) return hit;
    const { graph, outputs } = build();
    const lowered = lowerToOnnx(graph, outputs);
    const hash = hashOf(lowered);
    const exe = this.compileHashed(lowered, hash, {});
    this.cache.set(`key:${key}`, exe);
    this.keysOf.set(hash, (this.keysOf.get(hash) ?? new Set()).add(`key:${key}`));
    return exe;
  }

  compileLowered(model: LoweredModel, options: CompileOptions = {}): Promise<Executable> {
    // A session without the arena is another session of the same model.
    return this.compileHashed(model, hashOf(model) + (options.arena === false ? ':no-arena' : ''), options);
  }

  private compileHashed(model: LoweredModel, hash: string, options: CompileOptions): Promise<Executable> {
    this.holders.set(hash, (this.holders.get(hash) ?? 0) + 1);
    let exe = this.cache.get(hash);
    if (!exe) {
      const session = this.nextId++;
      const create = { kind: 'create', id: 0, session, bytes: model.bytes, threads: this.threads, hash, keepOptimized: options.reusable ?? false, arena: options.arena ?? true } as const;
      exe = this.request(create).then(
        () => new Executable(this, session, model, hash),
      );
      exe.catch(() => this.forget(hash));
      this.cache.set(hash, exe);
    }
    return exe;
  }

  /** How many sessions are compiled and not released. */
  get sessionCount(): number {
    return this.holders.size;
  }

  /**
   * Gives up one compile's hold on a model: once no caller holds it, its session and the memory
   * its runs keep for intermediates are freed (compiling it again makes a new session).
   */
  async release(exe: Executable): Promise<void> {
    const left = (this.holders.get(exe.hash) ?? 0) - 1;
    if (left > 0) {
      this.holders.set(exe.hash, left);
      return;
    }
    this.forget(exe.hash);
    if (!this.closed) await this.request({ kind: 'release', id: 0, session: exe.session });
  }

  private forget(hash: string): void {
    this.cache.delete(hash);
    this.holders.delete(hash);
    for (const key of this.keysOf.get(hash) ?? []) this.cache.delete(key);
    this.keysOf.delete(hash);
  }

  /** Sends a tensor to the worker once; feed the returned handle in later runs. */
  async upload(name: string, tensor: HostTensor, options: { transfer?: boolean } = {}): Promise<Resident> {
    checkData(name, tensor);
    const wire = toWire(tensor);
    await this.request({ kind: 'upload', id: 0, name, tensor: wire }, options.transfer ? [wire.data.buffer] : []);
    return new Resident(name, [...tensor.shape], tensor.dtype);
  }

  /** A copy of a resident tensor's current data. */
  async download(resident: Resident | string): Promise<HostTensor> {
    const name = nameOf(resident);
    const reply = await this.request({ kind: 'read', id: 0, name });
    const t = reply.outputs![name]!;
    const dtype = (Object.keys(ORT_TYPE) as DType[]).find((d) => ORT_TYPE[d] === t.dtype)!;
    return { data: t.data as TypedArray, shape: t.dims, dtype };
  }

  /**
   * Updates the parameters and moments in place in the worker, so no updated tensor is copied out
   * of a session. Returns the global gradient norm before clipping.
   */
  async adamw(step: AdamWStep): Promise<{ gradNorm: number }> {
    const { tensors, releaseGrads, lr, beta1, beta2, eps, weightDecay, step: t, maxGradNorm } = step;
    const wire = tensors.map((x) => ({ param: nameOf(x.param), m: nameOf(x.m), v: nameOf(x.v), grad: nameOf(x.grad), decay: x.decay }));
    const reply = await this.request({
      kind: 'adamw', id: 0, tensors: wire, releaseGrads: releaseGrads ?? false,
      lr, beta1, beta2, eps, weightDecay, step: t, maxGradNorm,
    });
    return { gradNorm: reply.gradNorm! };
  }

  async free(name: string): Promise<void> {
    await this.request({ kind: 'free', id: 0, name });
  }

  /**
   * Stops the worker once the requests already sent are answered and its sessions are released.
   * Ending the thread while it still loads onnxruntime, or while a run is about to hand back its
   * outputs, aborts the whole process inside the native binding, so the thread is only ended
   * from a quiet state.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    // A thread that already ended refuses the request, and then there is nothing to wait for.
    const quiet = this.request({ kind: 'close', id: 0 }).catch(() => {});
    this.closed = true;
    await quiet;
    await this.worker.terminate();
  }

  private failPending(err: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }

  /** @internal */
  request(msg: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply & { ok: true }> {
    if (this.closed) return Promise.reject(new Error('the runtime is closed'));
    if (this.exited) return Promise.reject(new Error("the runtime's worker thread has ended"));
    const id = this.nextId++;
    msg.id = id;
    this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: WorkerReply) => void, reject });
      this.worker.postMessage(msg, transfer);
    });
  }
}

/** A compiled model: validates feeds against its inputs and runs in the worker. */
export class Executable {
  readonly inputs: ValueSpec[];
  readonly outputs: ValueSpec[];
  /** Names a feed may have: the inputs, and inputs the graph does not read. */
  private readonly known: Set<string>;

  constructor(private readonly runtime: Runtime, readonly session: number, readonly model: LoweredModel, readonly hash: string) {
    this.inputs = model.inputs;
    this.outputs = model.outputs;
    this.known = new Set([...this.inputs.map((s) => s.name), ...model.unusedInputs]);
  }

  async run(feeds: Record<string, Feed>, options: RunOptions = {}): Promise<Record<string, HostTensor>> {
    const wire: Record<string, WireFeed> = {};
    const transfer: ArrayBuffer[] = [];
    for (const spec of this.inputs) {
      const feed = feeds[spec.name];
      if (feed === undefined) throw new FeedError(`input "${spec.name}" was not fed (expected ${describe(spec)})`);
      wire[spec.name] = toWireFeed(spec, feed);
      if (options.transfer && !(feed instanceof Resident)) transfer.push(dataOf(feed).buffer as ArrayBuffer);
    }
    const unknown = Object.keys(feeds).filter((n) => !this.known.has(n));
    if (unknown.length > 0 && !options.ignoreUnknown) {
      const list = (names: string[]) => names.slice(0, 8).join(', ') + (names.length > 8 ? `, ... (${names.length} in all)` : '');
      throw new FeedError(`unknown inputs: ${list(unknown)} (the model reads ${list([...this.known]) || 'no inputs'})`);
    }
    const fetch = options.fetch ?? this.outputs.map((o) => o.name);
    const keep = options.keep ?? {};
    const reply = await this.runtime.request(
      { kind: 'run', id: 0, session: this.session, feeds: wire, fetch, keep, scatter: options.scatter ?? [] },
      [...new Set(transfer)],
    );
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(reply.outputs ?? {})) {
      const spec = this.outputs.find((o) => o.name === name)!;
      out[name] = { data: t.data as TypedArray, shape: t.dims, dtype: spec.dtype };
    }
    return out;
  }
}

/**
 * onnxruntime 1.29 and later, on Linux and macOS, upload usage events to Microsoft and keep a
 * device id and an event store under ~/.cache/Microsoft unless ORT_DISABLE_TELEMETRY=1 is set
 * before the library initializes; Tuna runs locally and privately, so it sets it (a value the
 * user set stays). The worker's onnxruntime reads the process environment this sets.
 */
export function disableOnnxRuntimeTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
}

const hashOf = (model: LoweredModel): string => createHash('sha256').update(model.bytes).digest('hex');

const nameOf = (resident: Resident | string): string => (typeof resident === 'string' ? resident : resident.name);

function describe(spec: { dtype: DType; shape: Shape }): string {
  return `${spec.dtype}${formatShape(spec.shape)}`;
}

function dataOf(feed: HostTensor | TypedArray): TypedArray {
  return ArrayBuffer.isView(feed) ? feed : feed.data;
}

/** Whether an array can carry a dtype (bool is stored as bytes). */
function carries(data: TypedArray, dtype: DType): boolean {
  const actual = dtypeOfArray(data);
  return actual === dtype || (dtype === 'bool' && actual === 'uint8');
}

function checkData(name: string, t: HostTensor): void {
  if (!carries(t.data, t.dtype) || t.data.length !== sizeOf(t.shape)) {
    throw new FeedError(`tensor "${name}": ${dtypeOfArray(t.data)} data of length ${t.data.length} does not fill ${describe(t)}`);
  }
}

function toWire(t: HostTensor): WireTensor {
  return { data: t.data, dims: [...t.shape], dtype: ORT_TYPE[t.dtype] };
}

function toWireFeed(spec: ValueSpec, feed: Feed): WireFeed {
  if (feed instanceof Resident) {
    if (feed.dtype !== spec.dtype || !sameShape(feed.shape, spec.shape)) {
      throw new FeedError(`input "${spec.name}": expected ${describe(spec)}, got resident "${feed.name}" ${describe(feed)}`);
    }
    return { resident: feed.name };
  }
  const data = dataOf(feed);
  const shape = ArrayBuffer.isView(feed) ? spec.shape : feed.shape;
  const dtype = ArrayBuffer.isView(feed) ? dtypeOfArray(feed) : feed.dtype;
  const dtypeOk = ArrayBuffer.isView(feed) ? carries(data, spec.dtype) : dtype === spec.dtype && carries(data, dtype);
  if (!dtypeOk || !sameShape(shape, spec.shape) || data.length !== sizeOf(spec.shape)) {
    const got = ArrayBuffer.isView(feed) ? `${dtype} array of length ${data.length}` : describe({ dtype, shape });
    throw new FeedError(`input "${spec.name}": expected ${describe(spec)}, got ${got}`);
  }
  return { data, dims: [...spec.shape], dtype: ORT_TYPE[spec.dtype] };
}
