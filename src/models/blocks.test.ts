import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { gradients } from '../autodiff/grad.js';
import { Graph } from '../graph/graph.js';
import { Runtime } from '../runtime/runtime.js';
import { mulberry32 } from '../testing/random.js';
import { cachedAttention } from './blocks.js';
import { layoutInputs, type BatchLayout } from './inputs.js';

const [B, H, K, T, D] = [2, 4, 2, 40, 8];

/** Attention output and its gradients for q, k and v under a weighted sum, queries in blocks of `block`. */
function build(block: number) {
  const g = new Graph();
  const q = g.input('q', [B, H, T, D]);
  const k = g.input('k', [B, K, T, D]);
  const v = g.input('v', [B, K, T, D]);
  const mask = g.input('mask', [B, T, T]);
  const out = cachedAttention(g, q, k, v, null, mask, undefined, block);
  const loss = g.reduceSum(g.mul(out, g.input('w', [B, H, T, D])), [0, 1, 2, 3]);
  const [dq, dk, dv] = gradients(g, loss, [q, k, v]);
  return { g, outputs: { out, dq: dq!, dk: dk!, dv: dv! }, nodes: g.nodes.length };
}

/**
 * Random q, k, v and loss weights (from `seed`) under the mask of `layout` (every row T tokens),
 * run through the whole square and through blocks of 16 (16, 16 and 8 positions).
 */
async function wholeAndBlocked(rt: Runtime, seed: number, layout: Omit<BatchLayout, 'ids'>, names: ('out' | 'dq' | 'dk' | 'dv')[]) {
  const rand = mulberry32(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
  const mask = layoutInputs({ ids: [new Array<number>(T).fill(5), new Array<number>(T).fill(5)], ...layout }).mask;
  const feeds = { q: values(B * H * T * D), k: values(B * K * T * D), v: values(B * K * T * D), w: values(B * H * T * D), mask };
  const run = async (block: number) => {
    const { g, outputs, nodes } = build(block);
    const out = await (await rt.compile(g, Object.fromEntries(names.map((n) => [n, outputs[n]])))).run(feeds);
    return { nodes, out: (name: string) => out[name]!.data as Float32Array };
  };
  return { whole: await run(1024), blocked: await run(16) };
}

describe('causal attention in query blocks', () => {
  const rt = new Runtime();
  after(() => rt.close());

  it('gives the whole square\'s output and gradients, with padding and packed rows, blocks uneven', async () => {
    // Row 0: two packed examples (positions restart at 23); row 1: 31 tokens, then padding.
    const { whole, blocked } = await wholeAndBlocked(rt, 7, {
      attentionMask: [new Array<number>(T).fill(1), Array.from({ length: T }, (_, j) => (j < 31 ? 1 : 0))],
      positions: [Array.from({ length: T }, (_, j) => (j < 23 ? j : j - 23)), Array.from({ length: T }, (_, j) => j)],
      segments: [Array.from({ length: T }, (_, j) => (j < 23 ? 1 : 2)), new Array<number>(T).fill(1)],
    }, ['out', 'dq', 'dk', 'dv']);
    assert.ok(blocked.nodes > whole.nodes, 'the blocked graph is a different graph');
    for (const name of ['out', 'dq', 'dk', 'dv']) {
      const a = blocked.out(name);
      const b = whole.out(name);
      const worst = a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
      assert.ok(worst < 1e-5, `${name}: largest difference ${worst}`);
      assert.ok(b.some((x) => Math.abs(x) > 1e-3), `${name} is not all zero`);
    }
  });

  it('gives every real position of a left-padded prompt (a prefill) the whole square\'s output', async () => {
    const pad = [0, 19]; // row 1's first 19 positions are padding, as generate lays out a shorter prompt
    const { whole, blocked } = await wholeAndBlocked(rt, 8, {
      attentionMask: pad.map((n) => Array.from({ length: T }, (_, j) => (j < n ? 0 : 1))),
    }, ['out']);
    const want = whole.out('out');
    const got = blocked.out('out');
    let worst = 0;
    for (let r = 0; r < B; r++) {
      for (let head = 0; head < H; head++) {
        for (let i = pad[r]!; i < T; i++) {
          for (let j = 0; j < D; j++) {
            const at = ((r * H + head) * T + i) * D + j;
            worst = Math.max(worst, Math.abs(got[at]! - want[at]!));
          }
        }
      }
    }
    assert.ok(worst < 1e-5, `largest difference at a real position ${worst}`);
  });
});
