// The update graph against torch.optim.AdamW's algorithm written out in plain arithmetic
// (decoupled weight decay, bias correction, eps outside the square root), with clipping.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Runtime } from '../runtime/runtime.js';
import { buildUpdate, momentName } from './step-graphs.js';

function reference(p: number[], grad: number[], m: number[], v: number[], o: { lr: number; step: number; wd: number; clip: number }) {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const g = grad.map((x) => x * o.clip);
  const m2 = m.map((x, i) => b1 * x + (1 - b1) * g[i]!);
  const v2 = v.map((x, i) => b2 * x + (1 - b2) * g[i]! ** 2);
  const bc1 = 1 - b1 ** o.step;
  const bc2 = 1 - b2 ** o.step;
  const p2 = p.map((x, i) => x * (1 - o.lr * o.wd) - (o.lr / bc1) * (m2[i]! / (Math.sqrt(v2[i]!) / Math.sqrt(bc2) + eps)));
  return { p2, m2, v2 };
}

describe('AdamW update', () => {
  const rt = new Runtime();
  after(() => rt.close());
  for (const [name, maxNorm] of [['without clipping', 100], ['with clipping', 0.5]] as const) {
    it(`matches torch.optim.AdamW ${name}`, async () => {
      const p = [0.5, -1.2, 0.3, 2.0];
      const grad = [0.1, -0.4, 0.25, 0.05];
      const m = [0.01, -0.02, 0.0, 0.03];
      const v = [0.001, 0.002, 0.0005, 0.0001];
      const { graph, outputs } = buildUpdate([{ name: 'w', shape: [4], decay: true }], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
      const exe = await rt.compile(graph, outputs);
      const out = await exe.run({
        w: Float32Array.from(p), 'acc.w': Float32Array.from(grad), [momentName('w', 'm')]: Float32Array.from(m), [momentName('w', 'v')]: Float32Array.from(v),
        lr: new Float32Array([1e-2]), bias_correction1: new Float32Array([1 - 0.9 ** 3]), bias_correction2: new Float32Array([1 - 0.999 ** 3]),
        max_grad_norm: new Float32Array([maxNorm]),
      });
      const norm = Math.sqrt(grad.reduce((a, x) => a + x * x, 0));
      const ref = reference(p, grad, m, v, { lr: 1e-2, step: 3, wd: 0.1, clip: Math.min(1, maxNorm / (norm + 1e-6)) });
      const close = (a: ArrayLike<number>, b: number[]) => b.forEach((x, i) => assert.ok(Math.abs(a[i]! - x) < 1e-6 * Math.max(1, Math.abs(x)), `${a[i]} vs ${x}`));
      close(out['new.w']!.data as Float32Array, ref.p2);
      close(out[`new.${momentName('w', 'm')}`]!.data as Float32Array, ref.m2);
      close(out[`new.${momentName('w', 'v')}`]!.data as Float32Array, ref.v2);
      assert.ok(Math.abs((out.grad_norm!.data[0] as number) - norm) < 1e-6);
    });
  }
});
