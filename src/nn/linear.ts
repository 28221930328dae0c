// Linear layers in the checkpoint's layout: weight (out, in) as torch.nn.Linear, or (in, out) for
// GPT-2's Conv1D.
import type { Graph } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';

/** y = x W^T + b for a torch.nn.Linear weight (out, in). */
export function linear(g: Graph, x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const y = g.matMul(x, g.transposeLast(weight));
  return bias ? g.add(y, bias) : y;
}

/** y = x W + b for a GPT-2 Conv1D weight (in, out). */
export function conv1d(g: Graph, x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const y = g.matMul(x, weight);
  return bias ? g.add(y, bias) : y;
}
