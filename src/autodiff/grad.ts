// Reverse-mode autodiff: walks the graph backwards from a scalar and emits the backward graph
// with the same builder. The walker sums gradients over broadcast axes, accumulates gradients
// of values used several times, and skips every node that does not lead to a requested input.
import { onceAvailable } from '../graph/composite.js';
import { GraphError, type Graph } from '../graph/graph.js';
import { isFloat } from '../graph/dtype.js';
import { formatShape, sameShape, type Shape } from '../graph/shape.js';
import type { Node, Tensor } from '../graph/tensor.js';
import { GradError, gradRules, type GradContext, type GradRule, type GradRuleTable } from './rules.js';

/** Sums a gradient of a broadcast shape back to the shape of the input it belongs to. */
export function sumToShape(g: Graph, grad: Tensor, shape: Shape): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const lead = grad.rank - shape.length;
  let out = lead > 0 ? g.reduceSum(grad, [...Array(lead).keys()]) : grad;
  const ones = shape.map((d, i) => (d === 1 && out.shape[i] !== 1 ? i : -1)).filter((i) => i >= 0);
  if (ones.length > 0) out = g.reduceSum(out, ones, true);
  if (!sameShape(out.shape, shape)) {
    throw new GraphError(`gradient of shape ${formatShape(grad.shape)} does not reduce to ${formatShape(shape)}`);
  }
  return out;
}

/**
 * Gradients of the scalar `loss` with respect to each tensor in `wrt`, built into the same graph.
 * An input that the loss does not depend on gets a zero gradient.
 */
export function gradients(g: Graph, loss: Tensor, wrt: readonly Tensor[], rules: GradRuleTable = gradRules): Tensor[] {
  if (loss.shape.some((d) => d !== 1) || !isFloat(loss.dtype)) {
    throw new GradError(`gradient needs a float scalar to differentiate, got ${loss}`);
  }
  for (const t of wrt) {
    if (!isFloat(t.dtype)) throw new GradError(`cannot differentiate with respect to ${t}: not a float tensor`);
  }
  const active = activeTensors(g, loss, wrt);
  const grads = new Map<number, Tensor>();
  const accumulate = (t: Tensor, grad: Tensor) => {
    const fitted = sumToShape(g, g.cast(grad, t.dtype), t.shape);
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? g.add(prev, fitted) : fitted);
  };
  accumulate(loss, g.expand(g.scalar(1, loss.dtype), loss.shape));

  const lastNode = loss.producer?.id ?? -1;
  // A [1, 1] one that exists only once every finished `wrt` gradient does. Recomputed blocks wait
  // for it: the runtime's order would otherwise leave a parameter's gradient (a graph output no
  // other value needs) for the very end, keeping every recomputed block's values alive until then.
  const finishing = lastConsumers(g, lastNode, wrt, active);
  let finished: Tensor | null = null;
  for (let i = lastNode; i >= 0; i--) {
    const node = g.nodes[i]!;
    const gys = node.outputs.map((o) => grads.get(o.id) ?? null);
    if (node.inputs.some((t) => active.has(t.id)) && gys.some((t) => t !== null)) {
      const inputGrads = applyRule(g, node, gys, rules, finished);
      node.inputs.forEach((t, k) => {
        if (!active.has(t.id)) return;
        const grad = inputGrads[k];
        if (grad === undefined) throw new GradError(`no gradient for ${node.op}#${node.id} input ${k}: the rule gave none`);
        if (grad !== null) accumulate(t, grad);
      });
    }
    for (const t of finishing.get(i) ?? []) {
      const grad = grads.get(t.id);
      if (!grad) continue;
      finished = finished ? g.mul(finished, onceAvailable(g, grad)) : onceAvailable(g, grad);
    }
  }
  return wrt.map((t) => grads.get(t.id) ?? g.expand(g.scalar(0, t.dtype), t.shape));
}

function applyRule(g: Graph, node: Node, gys: (Tensor | null)[], rules: GradRuleTable, finished: Tensor | null): (Tensor | null)[] {
  const firstGrad = gys.find((t) => t !== null)!;
  let gateTensor: Tensor | null = null;
  const gate = () => {
    gateTensor ??= finished ? g.mul(onceAvailable(g, firstGrad), finished) : onceAvailable(g, firstGrad);
    return gateTensor;
  };
  const ctx: GradContext = {
    g, node, attrs: node.attrs, x: node.inputs.map((t) => g.forBackward(t, gate)), y: g.forBackward(node.outputs[0]!, gate),
    gy: gys[0] ?? g.expand(g.scalar(0, firstGrad.dtype), node.outputs[0]!.shape), gys,
  };
  const rule = rules[node.op] as GradRule | undefined;
  if (!rule) throw new GradError(`unsupported op "${node.op}" (node ${node.id}): no gradient rule for it`);
  return rule(ctx);
}

/** For each node, the `wrt` tensors whose gradient is complete once the walk has applied its rule. */
function lastConsumers(g: Graph, lastNode: number, wrt: readonly Tensor[], active: Set<number>): Map<number, Tensor[]> {
  const wanted = new Set(wrt.filter((t) => active.has(t.id)).map((t) => t.id));
  const byNode = new Map<number, Tensor[]>();
  for (let i = 0; i <= lastNode && wanted.size > 0; i++) {
    for (const t of g.nodes[i]!.inputs) {
      if (!wanted.delete(t.id)) continue;
      byNode.set(i, [...(byNode.get(i) ?? []), t]);
    }
  }
  return byNode;
}

/** Float tensors that depend on some `wrt` tensor and on which the loss depends. */
function activeTensors(g: Graph, loss: Tensor, wrt: readonly Tensor[]): Set<number> {
  const dependsOnWrt = new Set(wrt.map((t) => t.id));
  for (const node of g.nodes) {
    if (node.inputs.some((t) => dependsOnWrt.has(t.id))) {
      for (const o of node.outputs) if (isFloat(o.dtype)) dependsOnWrt.add(o.id);
    }
  }
  const needed = new Set<number>([loss.id]);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const node = g.nodes[i]!;
    if (node.outputs.some((o) => needed.has(o.id))) for (const t of node.inputs) needed.add(t.id);
  }
  return new Set([...dependsOnWrt].filter((id) => needed.has(id)));
}
