// A packed row (two examples in one sequence) has exactly the loss of the two examples apart:
// positions restart and no token attends across the boundary.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CausalLM } from '../models/model.js';
import { Runtime } from '../runtime/runtime.js';
import { collate, type TrainExample } from './batching.js';
import { buildMicroStep } from './step-graphs.js';

const fixture = (v: string) => new URL(`../../fixtures/models/${v}`, import.meta.url).pathname;
const a: TrainExample = { inputIds: [1, 5, 9, 14, 2], labels: [-100, -100, 9, 14, 2] };
const b: TrainExample = { inputIds: [1, 7, 3, 2], labels: [-100, 7, 3, 2] };
const packed: TrainExample = {
  inputIds: [...a.inputIds, ...b.inputIds], labels: [...a.labels, ...b.labels],
  positionIds: [0, 1, 2, 3, 4, 0, 1, 2, 3], segmentIds: [1, 1, 1, 1, 1, 2, 2, 2, 2],
};

describe('packed rows', () => {
  const rt = new Runtime();
  after(() => rt.close());
  for (const variant of ['llama', 'gpt2', 'gpt_neox']) {
    it(`${variant}: the loss of a packed row equals the loss of its examples apart`, async () => {
      const model = await CausalLM.load(fixture(variant));
      const loss = async (examples: TrainExample[], length: number) => {
        const c = collate(examples, { rows: examples.map((_, i) => i), length }, 0);
        const { graph, outputs } = buildMicroStep(model, { batch: examples.length, length }, [], { accumulate: false, forwardOnly: true });
        const exe = await rt.compile(graph, outputs);
        const out = await exe.run({
          ...Object.fromEntries(model.hostWeights()), targets: c.targets,
          ...model.batchFeeds({ ids: c.ids, attentionMask: c.mask, positions: c.positions, segments: c.segments }),
        });
        return { sum: out.loss_sum!.data[0] as number, count: out.token_count!.data[0] as number };
      };
      const apart = await loss([a, b], 5);
      const together = await loss([packed], 9);
      assert.equal(together.count, apart.count);
      assert.ok(Math.abs(together.sum - apart.sum) < 1e-4, `${together.sum} vs ${apart.sum}`);
    });
  }
});
