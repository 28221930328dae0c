// A second thread for the AdamW step: the session worker moves part of the tensors here (their
// buffers are transferred, not copied), both threads update their share, and the buffers move
// back. Shipped as source text like the worker body: it must not refer to anything outside its
// own body; the kernels come in as a parameter.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { AdamWArrays, AdamWSettings } from './adamw-kernel.js';

export type HelperRequest =
  | { kind: 'norm'; tensors: AdamWArrays[] }
  | { kind: 'update'; settings: AdamWSettings; clip: number; returnGrads: boolean };

export type HelperReply =
  | { ok: true; sumSq?: number; tensors?: { param: Float32Array; m: Float32Array; v: Float32Array; grad: Float32Array | null }[] }
  | { ok: false; message: string };

export interface AdamWKernels {
  sumOfSquares(tensors: AdamWArrays[]): number;
  adamwUpdate(tensors: AdamWArrays[], settings: AdamWSettings, clip: number): void;
  clipFactor(norm: number, maxGradNorm: number): number;
  helperShare(sizes: number[], movable: boolean[], threads: number): number[];
}

/**
 * Indices of the tensors the helper thread takes: about half of the elements, largest first, from
 * the movable ones (whose buffers nothing else uses). None for one thread or small steps, where a
 * message round trip costs more than it saves.
 */
export function helperShare(sizes: number[], movable: boolean[], threads: number): number[] {
  const total = sizes.reduce((n, s) => n + s, 0);
  if (threads < 2 || total < 1 << 20) return [];
  const share: number[] = [];
  let here = 0;
  let there = 0;
  for (const i of sizes.map((_, k) => k).sort((a, b) => sizes[b]! - sizes[a]!)) {
    if (there < here && movable[i]) {
      share.push(i);
      there += sizes[i]!;
    } else {
      here += sizes[i]!;
    }
  }
  return share;
}

export function adamwHelperBody(req: (id: string) => any, kernels: AdamWKernels): void {
  const { parentPort } = req('node:worker_threads');
  req('v8').setFlagsFromString('--expose-gc');
  const collect: () => void = req('vm').runInNewContext('gc');
  // The tensors of the step in progress: received with 'norm', updated and sent back with 'update'.
  let held: AdamWArrays[] = [];

  parentPort.on('message', (msg: HelperRequest) => {
    try {
      if (msg.kind === 'norm') {
        held = msg.tensors;
        parentPort.postMessage({ ok: true, sumSq: kernels.sumOfSquares(held) });
        return;
      }
      kernels.adamwUpdate(held, msg.settings, msg.clip);
      const tensors = held.map((t) => ({ param: t.param, m: t.m, v: t.v, grad: msg.returnGrads ? t.grad : null }));
      const transfer = tensors.flatMap((t) => [t.param.buffer, t.m.buffer, t.v.buffer, ...(t.grad ? [t.grad.buffer] : [])]);
      held = [];
      parentPort.postMessage({ ok: true, tensors }, transfer);
      // Dropped gradients are large buffers the collector does not hurry to free.
      if (!msg.returnGrads) collect();
    } catch (err: any) {
      parentPort.postMessage({ ok: false, message: `adamw helper: ${String(err?.message ?? err)}` });
    }
  });
}
