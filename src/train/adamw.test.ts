// The in-place AdamW step on worker residents against torch.optim.AdamW's algorithm written out in
// plain arithmetic (decoupled weight decay, bias correction, eps outside the square root), after
// torch.nn.utils.clip_grad_norm_ over all tensors together. The worker runs it in WebAssembly on
// weights and moments moved into its memory on the first step.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Runtime } from '../runtime/runtime.js';
import { mulberry32 } from '../testing/random.js';

interface State { p: Float32Array; grad: Float32Array; m: Float32Array; v: Float32Array; decay: boolean }

function reference(tensors: State[], o: { lr: number; step: number; wd: number; maxNorm: number }) {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let sumSq = 0;
  for (const t of tensors) for (const x of t.grad) sumSq += x * x;
  const norm = Math.sqrt(sumSq);
  const clip = Math.min(1, o.maxNorm / (norm + 1e-6));
  const bc1 = 1 - b1 ** o.step;
  const bc2 = 1 - b2 ** o.step;
  const out = tensors.map((t) => {
    const wd = t.decay ? o.wd : 0;
    const p2 = new Float64Array(t.p.length);
    const m2 = new Float64Array(t.p.length);
    const v2 = new Float64Array(t.p.length);
    for (let i = 0; i < t.p.length; i++) {
      const g = t.grad[i]! * clip;
      m2[i] = b1 * t.m[i]! + (1 - b1) * g;
      v2[i] = b2 * t.v[i]! + (1 - b2) * g * g;
      p2[i] = t.p[i]! * (1 - o.lr * wd) - (o.lr / bc1) * (m2[i]! / (Math.sqrt(v2[i]!) / Math.sqrt(bc2) + eps));
    }
    return { p2, m2, v2 };
  });
  return { norm, out };
}

function randomState(n: number, seed: number, decay: boolean): State {
  const random = mulberry32(seed);
  const fill = (scale: number, offset = 0) => Float32Array.from({ length: n }, () => (random() - 0.5) * scale + offset);
  return { p: fill(2), grad: fill(0.002), m: fill(0.0004), v: fill(1e-6, 1e-6), decay };
}

function closeTo(actual: Float32Array, expected: Float64Array, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    const x = expected[i]!;
    if (!(Math.abs(actual[i]! - x) <= 1e-6 * Math.max(1, Math.abs(x)))) assert.fail(`${what}[${i}]: ${actual[i]} vs ${x}`);
  }
}

const small: State[] = [
  { p: Float32Array.of(0.5, -1.2, 0.3, 2.0), grad: Float32Array.of(0.1, -0.4, 0.25, 0.05), m: Float32Array.of(0.01, -0.02, 0.0, 0.03), v: Float32Array.of(0.001, 0.002, 0.0005, 0.0001), decay: true },
  { p: Float32Array.of(1.0, 0.9, 1.1), grad: Float32Array.of(0.3, -0.2, 0.6), m: Float32Array.of(0.05, 0.0, -0.01), v: Float32Array.of(0.004, 0.001, 0.002), decay: false },
];
// Over a million elements, and sizes that are not a multiple of the kernel's four lanes.
const large: State[] = [randomState(600_000, 1, true), randomState(500_000, 2, true), randomState(3, 3, false)];

describe('AdamW update', () => {
  const runtimes = [new Runtime({ threads: 1 }), new Runtime({ threads: 2 })];
  after(() => Promise.all(runtimes.map((rt) => rt.close())));
  const cases = [
    { name: 'without clipping', tensors: small, maxNorm: 100, threads: 1 },
    { name: 'with clipping', tensors: small, maxNorm: 0.5, threads: 1 },
    { name: 'with clipping off (0)', tensors: small, maxNorm: 0, threads: 1 },
    { name: 'on a million elements, with clipping', tensors: large, maxNorm: 0.1, threads: 2 },
    { name: 'on a million elements, keeping the gradients', tensors: large, maxNorm: 100, threads: 2, keepGrads: true },
  ];
  for (const c of cases) {
    it(`matches torch.optim.AdamW ${c.name}, weight decay only where asked`, async () => {
      const rt = runtimes[c.threads - 1]!;
      const tag = c.name.replace(/\W+/g, '-');
      const handles = [];
      for (const [i, t] of c.tensors.entries()) {
        const up = (suffix: string, data: Float32Array) => rt.upload(`${tag}.w${i}${suffix}`, { data: data.slice(), shape: [data.length], dtype: 'float32' });
        handles.push({ param: await up('', t.p), m: await up('#m', t.m), v: await up('#v', t.v), grad: await up('#grad', t.grad), decay: t.decay });
      }
      const ref = reference(c.tensors, { lr: 1e-2, step: 3, wd: 0.1, maxNorm: c.maxNorm > 0 ? c.maxNorm : Infinity });
      const { gradNorm } = await rt.adamw({
        tensors: handles, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 3, maxGradNorm: c.maxNorm, releaseGrads: !c.keepGrads,
      });
      assert.ok(Math.abs(gradNorm - ref.norm) < 1e-9 * Math.max(1, ref.norm), `grad norm ${gradNorm} vs ${ref.norm}`);
      for (const [i, h] of handles.entries()) {
        closeTo((await rt.download(h.param)).data as Float32Array, ref.out[i]!.p2, `param ${i}`);
        closeTo((await rt.download(h.m)).data as Float32Array, ref.out[i]!.m2, `m ${i}`);
        closeTo((await rt.download(h.v)).data as Float32Array, ref.out[i]!.v2, `v ${i}`);
        if (c.keepGrads) assert.deepEqual((await rt.download(h.grad)).data, c.tensors[i]!.grad);
        else await assert.rejects(rt.download(h.grad), /no resident tensor/);
      }
    });
  }

  it('continues from its own state on the next step, and from a weight uploaded again in between', async () => {
    const rt = runtimes[0]!;
    const t = randomState(1001, 7, true);
    const settings = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 0 };
    const up = (suffix: string, data: Float32Array) => rt.upload(`again.w${suffix}`, { data: data.slice(), shape: [data.length], dtype: 'float32' });
    const handle = { param: await up('', t.p), m: await up('#m', t.m), v: await up('#v', t.v), grad: await up('#grad', t.grad), decay: true };
    await rt.adamw({ tensors: [handle], lr: 1e-2, step: 1, ...settings });
    // Step 2 from step 1's state, with a new gradient and the weight replaced by an upload.
    const one = reference([t], { lr: 1e-2, step: 1, wd: 0.1, maxNorm: Infinity }).out[0]!;
    const replaced = Float32Array.from(one.p2, (x) => x * 0.5);
    const grad2 = Float32Array.from(t.grad, (x) => -2 * x);
    await up('', replaced);
    await up('#grad', grad2);
    await rt.adamw({ tensors: [handle], lr: 1e-2, step: 2, ...settings });
    const state2 = { p: replaced, grad: grad2, m: Float32Array.from(one.m2), v: Float32Array.from(one.v2), decay: true };
    const two = reference([state2], { lr: 1e-2, step: 2, wd: 0.1, maxNorm: Infinity }).out[0]!;
    closeTo((await rt.download(handle.param)).data as Float32Array, two.p2, 'param');
    closeTo((await rt.download(handle.m)).data as Float32Array, two.m2, 'm');
    closeTo((await rt.download(handle.v)).data as Float32Array, two.v2, 'v');
  });

  it('starts afresh on tensors freed and uploaded again under the same names', async () => {
    const rt = runtimes[0]!;
    const settings = { lr: 1e-2, step: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 0 };
    const names = ['fresh.w', 'fresh.w#m', 'fresh.w#v', 'fresh.w#grad'];
    const handleOf = async (t: State) => {
      const [param, m, v, grad] = await Promise.all([t.p, t.m, t.v, t.grad].map((data, i) => rt.upload(names[i]!, { data: data.slice(), shape: [data.length], dtype: 'float32' })));
      return { param: param!, m: m!, v: v!, grad: grad!, decay: true };
    };
    await rt.adamw({ tensors: [await handleOf(randomState(10, 8, true))], ...settings });
    for (const name of names) await rt.free(name);
    const t = randomState(13, 9, true);
    const handle = await handleOf(t);
    await rt.adamw({ tensors: [handle], ...settings });
    const ref = reference([t], { lr: 1e-2, step: 1, wd: 0.1, maxNorm: Infinity }).out[0]!;
    closeTo((await rt.download(handle.param)).data as Float32Array, ref.p2, 'param');
    closeTo((await rt.download(handle.m)).data as Float32Array, ref.m2, 'm');
  });
});
