// AdamW on resident tensors with the WebAssembly kernels (adamw-wasm.ts). The kernels can only
// reach their own memory, so on its first step a tensor's weights and moments move into one: the
// resident tensors become views of it, which sessions read in place like any other array. Each
// step copies a gradient into a scratch area of its memory, once for the norm and once for the
// update. Shipped to the session worker as source text (see worker-body.ts): it must not refer to
// anything outside its own body.
/* eslint-disable @typescript-eslint/no-explicit-any */

export interface AdamWSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based optimizer step, for bias correction. */
  step: number;
  /** Global L2 norm the gradients are clipped to first; 0 or Infinity leaves them as they are. */
  maxGradNorm: number;
}

/** Resident names of one tensor's AdamW state. */
export interface AdamWNames {
  param: string;
  m: string;
  v: string;
  grad: string;
  decay: boolean;
}

export interface WasmAdamW {
  /**
   * One step of torch.optim.AdamW after torch.nn.utils.clip_grad_norm_ over all tensors together,
   * per element: m <- b1 m + (1 - b1) c g; v <- b2 v + (1 - b2) (c g)^2;
   * p <- p (1 - lr wd) - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
   * Returns the global gradient norm before clipping.
   */
  step(tensors: AdamWNames[], settings: AdamWSettings): number;
  /** A resident was freed: a tensor whose weight or moments it held gives up its place in memory. */
  forget(name: string): void;
}

/**
 * `residents` is the worker's map of resident ort.Tensors (entries for weights and moments are
 * replaced by views); `collect` runs the garbage collector so replaced arrays are freed as we go.
 */
export function createWasmAdamW(ort: any, residents: Map<string, any>, module: WebAssembly.Module, collect: () => void): WasmAdamW {
  // One memory holds the weights and both moments of several tensors, up to this many bytes, plus
  // a scratch area for the largest gradient among them. A 32-bit memory ends at 4 GiB.
  const GROUP_BYTES = 1 << 30;
  const MAX_BYTES = 2 ** 32 - 65536;
  interface Group { memory: WebAssembly.Memory; kernels: any; scratch: number }
  interface Slot { group: Group; n: number; p: number; m: number; v: number; names: string[]; installed: any[] }
  const slots = new Map<string, Slot>();
  const padded = (n: number) => Math.ceil(n / 4) * 4;

  const get = (name: string): Float32Array => {
    const data = residents.get(name)?.data;
    if (!(data instanceof Float32Array)) throw new Error(`adamw: no float32 resident tensor "${name}"`);
    return data;
  };

  /** Views of a slot's arrays installed as its residents (after copying their current data in). */
  function install(slot: Slot): void {
    const buffer = slot.group.memory.buffer;
    slot.installed = slot.names.map((name, k) => {
      const old = residents.get(name);
      const view = new Float32Array(buffer, [slot.p, slot.m, slot.v][k]!, slot.n);
      view.set(old.data);
      const tensor = new ort.Tensor('float32', view, old.dims);
      residents.set(name, tensor);
      return tensor;
    });
  }

  function place(tensors: AdamWNames[]): void {
    // A tensor placed before whose residents were replaced since (a new upload) keeps its slot,
    // unless its size or the names of its moments changed.
    for (const t of tensors) {
      const slot = slots.get(t.param);
      if (!slot) continue;
      if (slot.n !== get(t.param).length || slot.names[1] !== t.m || slot.names[2] !== t.v) slots.delete(t.param);
      else if (slot.installed.some((x, k) => residents.get(slot.names[k]!) !== x)) install(slot);
    }
    const fresh = tensors.filter((t) => !slots.has(t.param) && 16 * padded(get(t.param).length) <= MAX_BYTES);
    let movedBytes = 0;
    for (let start = 0; start < fresh.length;) {
      // Greedily take tensors while the group stays under GROUP_BYTES (always at least one).
      let end = start;
      let bytes = 0;
      let scratch = 0;
      while (end < fresh.length) {
        const n = padded(get(fresh[end]!.param).length);
        const next = bytes + 12 * n;
        const nextScratch = Math.max(scratch, n);
        if (end > start && next + 4 * nextScratch > GROUP_BYTES) break;
        bytes = next;
        scratch = nextScratch;
        end++;
      }
      const pages = Math.ceil((bytes + 4 * scratch) / 65536);
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
      const group: Group = { memory, kernels: new WebAssembly.Instance(module, { env: { memory } }).exports, scratch: bytes };
      let offset = 0;
      for (const t of fresh.slice(start, end)) {
        const n = get(t.param).length;
        const slot: Slot = { group, n, p: offset, m: offset + 4 * padded(n), v: offset + 8 * padded(n), names: [t.param, t.m, t.v], installed: [] };
        offset += 12 * padded(n);
        install(slot);
        slots.set(t.param, slot);
        // The replaced arrays are garbage now: free them before the next ones are copied.
        movedBytes += 12 * n;
        if (movedBytes > 256 * 1024 * 1024) {
          collect();
          movedBytes = 0;
        }
      }
      start = end;
    }
  }

  /** The gradient copied into its group's scratch area, zero-padded to whole lanes; returns the offset. */
  function stage(slot: Slot, grad: Float32Array): number {
    const scratch = new Float32Array(slot.group.memory.buffer, slot.group.scratch, padded(slot.n));
    scratch.set(grad);
    scratch.fill(0, slot.n);
    return slot.group.scratch;
  }

  return {
    forget(name) {
      // A memory is freed once no slot (and no resident view) refers to it.
      for (const [param, slot] of slots) if (slot.names.includes(name)) slots.delete(param);
    },
    step(tensors, s) {
      for (const t of tensors) {
        const [param, m, v, grad] = [get(t.param), get(t.m), get(t.v), get(t.grad)];
        if (m.length !== param.length || v.length !== param.length || grad.length !== param.length) {
          throw new Error(`adamw: "${t.param}" has ${param.length} elements but its state has ${m.length} (m), ${v.length} (v), ${grad.length} (grad)`);
        }
      }
      place(tensors);
      // Tensors too large for one memory take the plain loop.
      let sumSq = 0;
      for (const t of tensors) {
        const slot = slots.get(t.param);
        const grad = get(t.grad);
        if (slot) sumSq += slot.group.kernels.sumsq(stage(slot, grad), padded(slot.n) / 4);
        else for (let i = 0; i < grad.length; i++) sumSq += grad[i]! * grad[i]!;
      }
      const norm = Math.sqrt(sumSq);
      // torch.nn.utils.clip_grad_norm_: max / (norm + 1e-6), capped at 1.
      const clip = s.maxGradNorm > 0 && Number.isFinite(s.maxGradNorm) ? Math.min(1, s.maxGradNorm / (norm + 1e-6)) : 1;
      const first = (1 - s.beta1) * clip;
      const second = (1 - s.beta2) * clip * clip;
      const stepSize = s.lr / (1 - s.beta1 ** s.step);
      const invSqrtBc2 = 1 / Math.sqrt(1 - s.beta2 ** s.step);
      for (const t of tensors) {
        const keep = t.decay ? 1 - s.lr * s.weightDecay : 1;
        const slot = slots.get(t.param);
        if (slot) {
          const g = stage(slot, get(t.grad));
          slot.group.kernels.update(slot.p, slot.m, slot.v, g, padded(slot.n) / 4, s.beta1, s.beta2, first, second, stepSize, invSqrtBc2, s.eps, keep);
          continue;
        }
        const [p, m, v, g] = [get(t.param), get(t.m), get(t.v), get(t.grad)];
        for (let i = 0; i < p.length; i++) {
          const mi = s.beta1 * m[i]! + first * g[i]!;
          const vi = s.beta2 * v[i]! + second * g[i]! * g[i]!;
          m[i] = mi;
          v[i] = vi;
          p[i] = p[i]! * keep - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + s.eps);
        }
      }
      return norm;
    },
  };
}
