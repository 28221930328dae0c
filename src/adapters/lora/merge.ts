// Merging an adapter into its base as PEFT's merge_and_unload does: W += scale * (B @ A), with
// the product transposed for Conv1D weights stored (in, out) (fan_in_fan_out). The products run
// on the engine, so merging a large model takes seconds.
import { Graph } from '../../graph/graph.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { LoraModel } from './lora-model.js';

/** Base weights with every adapter merged in; trained extra tensors (biases, modules_to_save) replace the base ones. */
export async function mergeAdapter(
  rt: Runtime, lora: LoraModel, baseWeights: Map<string, Float32Array>, extra: Map<string, Float32Array> = new Map(),
): Promise<Map<string, Float32Array>> {
  const merged = new Map(baseWeights);
  for (const [name, data] of extra) merged.set(name, data);
  for (const [module, t] of lora.adapters) {
    const key = `${module}.weight`;
    const w = baseWeights.get(key);
    if (!w) throw new Error(`mergeAdapter: the base has no "${key}"`);
    const conv = lora.isConv1d(module);
    const shape = conv ? [t.inFeatures, t.outFeatures] : [t.outFeatures, t.inFeatures];
    const exe = await rt.compileCached(`merge:${shape.join('x')}:${lora.config.r}:${conv}:${lora.scale}`, () => {
      const g = new Graph();
      const base = g.input('w', shape);
      const a = g.input('a', [lora.config.r, t.inFeatures]);
      const b = g.input('b', [t.outFeatures, lora.config.r]);
      const delta = g.mul(g.matMul(b, a), g.scalar(lora.scale)); // (out, in)
      return { graph: g, outputs: { merged: g.add(base, conv ? g.transpose(delta, [1, 0]) : delta) } };
    });
    const out = await exe.run({ w, a: t.a, b: t.b });
    merged.set(key, out.merged!.data as Float32Array);
  }
  return merged;
}
