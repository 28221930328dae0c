// Gradient checkpointing: a block's intermediate values are not kept from the forward pass for
// the backward pass. When the backward pass first needs one, the block is built again from its
// inputs, gated on the incoming gradient (and the gradients finished before it) so the runtime
// computes the copy only then.
import { GraphError, type Graph } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';

/**
 * Runs `build` on `inputs` and returns its outputs, which (like the inputs) stay alive for the
 * backward pass; everything in between is recomputed there. `build` must build the same nodes
 * each time it runs (read graph inputs with Graph.sharedInput).
 */
export function checkpoint(g: Graph, inputs: Tensor[], build: (inputs: Tensor[]) => Tensor[]): Tensor[] {
  const start = g.nodes.length;
  const outputs = build(inputs);
  const end = g.nodes.length;
  const kept = new Set(outputs.map((t) => t.id));
  let replayed: Map<number, Tensor> | null = null;
  const replay = (after: () => Tensor): Map<number, Tensor> => {
    if (replayed) return replayed;
    const gate = g.reshape(after(), []);
    const gated = inputs.map((t) => g.mul(t, g.cast(gate, t.dtype)));
    const from = g.nodes.length;
    build(gated);
    if (g.nodes.length - from !== end - start) {
      throw new GraphError(`checkpoint: the block built ${end - start} nodes, then ${g.nodes.length - from} when replayed`);
    }
    replayed = new Map();
    for (let k = 0; k < end - start; k++) {
      const original = g.nodes[start + k]!;
      const copy = g.nodes[from + k]!;
      if (copy.op !== original.op) throw new GraphError(`checkpoint: node ${k} of the block was ${original.op}, then ${copy.op} when replayed`);
      original.outputs.forEach((o, j) => replayed!.set(o.id, copy.outputs[j]!));
    }
    return replayed;
  };
  for (let k = start; k < end; k++) {
    for (const o of g.nodes[k]!.outputs) {
      if (!kept.has(o.id)) g.recomputeInBackward(o, (after) => replay(after).get(o.id)!);
    }
  }
  return outputs;
}
