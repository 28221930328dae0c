import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Graph } from '../graph/graph.js';
import { FeedError, Resident, Runtime } from './runtime.js';

describe('runtime', () => {
  const rt = new Runtime({ threads: 2 });
  after(() => rt.close());

  function affine() {
    const g = new Graph();
    const x = g.input('x', [2, 3]);
    const w = g.input('w', [3, 2]);
    const ids = g.input('ids', [2], 'int64');
    const y = g.add(g.matMul(x, w), g.cast(g.unsqueeze(ids, [1]), 'float32'));
    return { g, y };
  }

  it('runs a graph and caches the compiled session', async () => {
    const a = affine();
    const exe = await rt.compile(a.g, { y: a.y });
    const again = await rt.compile(affine().g, { y: affine().y });
    assert.equal(again, exe);
    const out = await exe.run({
      x: new Float32Array([1, 2, 3, 4, 5, 6]),
      w: new Float32Array([1, 0, 0, 1, 1, 1]),
      ids: new BigInt64Array([10n, 20n]),
    });
    assert.deepEqual(Array.from(out.y!.data as Float32Array), [14, 15, 30, 31]);
    assert.deepEqual(out.y!.shape, [2, 2]);
  });

  it('compiles a session without the memory arena as a session of its own, with the same results', async () => {
    const feeds = { x: new Float32Array([1, 2, 3, 4, 5, 6]), w: new Float32Array([1, 0, 0, 1, 1, 1]), ids: new BigInt64Array([10n, 20n]) };
    const a = affine();
    const withArena = await rt.compile(a.g, { y: a.y });
    const b = affine();
    const without = await rt.compile(b.g, { y: b.y }, { arena: false });
    assert.notEqual(without, withArena);
    assert.notEqual(without.session, withArena.session);
    const c = affine();
    assert.equal(await rt.compile(c.g, { y: c.y }, { arena: false }), without);
    assert.deepEqual(Array.from((await without.run(feeds)).y!.data as Float32Array), [14, 15, 30, 31]);
    await rt.release(without);
    await rt.release(without);
    await rt.release(withArena);
  });

  it('frees a session once every compile of it is released; kept outputs outlive it, and a reusable model compiles again', async () => {
    const build = () => {
      const g = new Graph();
      const x = g.input('x', [4]);
      return { g, y: g.mul(g.add(x, g.scalar(1)), x) };
    };
    const feeds = { x: new Float32Array([1, 2, 3, 4]) };
    const first = build();
    const exe = await rt.compile(first.g, { y: first.y }, { reusable: true });
    const second = build();
    assert.equal(await rt.compile(second.g, { y: second.y }, { reusable: true }), exe);
    await exe.run(feeds, { keep: { y: 'kept-y' }, fetch: [] });
    await rt.release(exe);
    assert.deepEqual(Array.from((await exe.run(feeds)).y!.data as Float32Array), [2, 6, 12, 20], 'still held by the second compile');
    await rt.release(exe);
    await assert.rejects(exe.run(feeds));
    assert.deepEqual(Array.from((await rt.download('kept-y')).data as Float32Array), [2, 6, 12, 20]);
    const third = build();
    const again = await rt.compile(third.g, { y: third.y }, { reusable: true });
    assert.notEqual(again, exe);
    assert.deepEqual(Array.from((await again.run(feeds)).y!.data as Float32Array), [2, 6, 12, 20]);
    await rt.release(again);
  });

  it('names the input, the expected and the actual type when a feed is wrong', async () => {
    const a = affine();
    const exe = await rt.compile(a.g, { y: a.y });
    const good = { x: new Float32Array(6), w: new Float32Array(6), ids: new BigInt64Array(2) };
    await assert.rejects(exe.run({ ...good, x: new Float64Array(6) }), (e: unknown) =>
      e instanceof FeedError && e.message === 'input "x": expected float32[2, 3], got float64 array of length 6');
    await assert.rejects(exe.run({ ...good, w: { data: new Float32Array(6), shape: [2, 3], dtype: 'float32' } }),
      /input "w": expected float32\[3, 2\], got float32\[2, 3\]/);
    await assert.rejects(exe.run({ ...good, ids: new BigInt64Array(3) }), /input "ids": expected int64\[2\], got int64 array of length 3/);
    await assert.rejects(exe.run({ x: good.x, w: good.w }), /input "ids" was not fed \(expected int64\[2\]\)/);
    await assert.rejects(exe.run({ ...good, bias: new Float32Array(2) }), /unknown inputs: bias/);
  });

  it('keeps uploaded and produced tensors resident in the worker', async () => {
    const g = new Graph();
    const w = g.input('w', [4]);
    const step = g.add(w, g.scalar(1));
    const exe = await rt.compile(g, { next: step });
    let state = await rt.upload('state', { data: new Float32Array([0, 1, 2, 3]), shape: [4], dtype: 'float32' });
    for (let i = 0; i < 3; i++) {
      await exe.run({ w: state }, { fetch: [], keep: { next: 'state' } });
      state = new Resident('state', [4], 'float32');
    }
    const out = await exe.run({ w: state });
    assert.deepEqual(Array.from(out.next!.data as Float32Array), [4, 5, 6, 7]);
    await assert.rejects(exe.run({ w: new Resident('state', [5], 'float32') }), /expected float32\[4\], got resident "state" float32\[5\]/);
  });

  it('updates residents in place with AdamW, and the next run reads the updated values', async () => {
    const g = new Graph();
    const exe = await rt.compile(g, { y: g.mul(g.input('w', [3]), g.scalar(2)) });
    const up = (name: string, data: number[]) => rt.upload(name, { data: Float32Array.from(data), shape: [3], dtype: 'float32' });
    const w = await up('inplace.w', [1, 2, 3]);
    const tensor = { param: w, m: await up('inplace.m', [0, 0, 0]), v: await up('inplace.v', [0, 0, 0]), grad: await up('inplace.g', [1, -1, 2]), decay: false };
    assert.deepEqual(Array.from((await exe.run({ w })).y!.data as Float32Array), [2, 4, 6]);
    const settings = { lr: 0.5, beta1: 0.9, beta2: 0.999, eps: 0, weightDecay: 0, step: 1, maxGradNorm: 0 };
    const { gradNorm } = await rt.adamw({ tensors: [tensor], ...settings, releaseGrads: true });
    assert.equal(gradNorm, Math.sqrt(6));
    // With eps 0 the first bias-corrected step moves each weight by lr * sign(grad).
    assert.deepEqual(Array.from((await exe.run({ w })).y!.data as Float32Array), [1, 5, 5]);
    await assert.rejects(rt.download('inplace.g'), /no resident tensor "inplace.g"/);
    await assert.rejects(rt.adamw({ tensors: [tensor], ...settings }), /adamw: no float32 resident tensor "inplace.g"/);
    const short = await rt.upload('inplace.short', { data: new Float32Array(2), shape: [2], dtype: 'float32' });
    await assert.rejects(rt.adamw({ tensors: [{ ...tensor, grad: short }], ...settings }), /"inplace.w" has 3 elements but its state has 3 \(m\), 3 \(v\), 2 \(grad\)/);
  });

  it('keeps the event loop live while a long session runs', async () => {
    const g = new Graph();
    const a = g.input('a', [512, 512]);
    let h = a;
    for (let i = 0; i < 24; i++) h = g.tanh(g.matMul(h, a));
    const exe = await rt.compile(g, { s: g.reduceSum(h, [0, 1]) });
    const data = new Float32Array(512 * 512).fill(0.001);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const started = performance.now();
    let runs = 0;
    while (performance.now() - started < 150) {
      await exe.run({ a: data });
      runs++;
    }
    clearInterval(timer);
    const elapsed = performance.now() - started;
    // A blocked loop would fire about once per run; a live one fires every few milliseconds.
    assert.ok(ticks > runs * 2 && ticks > elapsed / 20, `${ticks} ticks in ${elapsed.toFixed(0)} ms over ${runs} runs`);
  });

  it('closes without aborting the process at any moment: while onnxruntime loads, or with a run not yet answered', async () => {
    // Ending the worker thread while it loaded onnxruntime aborted the process in the native
    // binding ("terminate called after throwing an instance of 'Napi::Error'") about once in 60
    // closes; a child process keeps such an abort from taking the test runner with it.
    const script = `
      import assert from 'node:assert/strict';
      const { Runtime } = await import(${JSON.stringify(new URL('./runtime.ts', import.meta.url).href)});
      const { Graph } = await import(${JSON.stringify(new URL('../graph/graph.ts', import.meta.url).href)});
      for (let i = 0; i < 120; i++) {
        const rt = new Runtime({ threads: 1 });
        await new Promise((r) => setTimeout(r, i % 40));
        await rt.close();
      }
      const rt = new Runtime({ threads: 1 });
      const g = new Graph();
      const a = g.input('a', [256, 256]);
      const exe = await rt.compile(g, { s: g.reduceSum(g.matMul(a, a), [0, 1]) });
      const run = exe.run({ a: new Float32Array(256 * 256).fill(1) });
      await rt.close();
      console.log('sum', (await run).s.data[0]);
      await assert.rejects(rt.upload('late', { data: new Float32Array(1), shape: [1], dtype: 'float32' }), /the runtime is closed/);
    `;
    const dir = mkdtempSync(join(tmpdir(), 'tuna-runtime-close-'));
    writeFileSync(join(dir, 'close.mts'), script);
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'close.mts')], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(child.status, 0, `exit ${child.status} (signal ${child.signal}): ${child.stderr}`);
    assert.match(child.stdout, /sum 16777216/);
  });
});
