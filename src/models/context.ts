// The default LayerContext: every checkpoint tensor a forward pass touches becomes a graph input
// named by its checkpoint key; linear layers are plain matrix products.
import { GraphError, type Graph } from '../graph/graph.js';
import type { Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { dequantizeNf4Graph, nf4GraphInputs, type Nf4Layout } from '../adapters/nf4/dequantize-graph.js';
import { conv1d, linear } from '../nn/linear.js';
import type { LayerContext } from './types.js';

/** Wraps a linear layer's output; LoRA uses it to add its low-rank update. */
export type LinearHook = (module: string, x: Tensor, base: Tensor, ctx: LayerContext) => Tensor;

export interface GraphContext extends LayerContext {
  /** Parameters used so far, by checkpoint key, in first-use order. */
  readonly params: Map<string, Tensor>;
}

/**
 * `quantized` maps weight keys stored as NF4 codes to their layout: such a weight is dequantized
 * in the graph just before its layer runs, and again in the backward pass (rematerialised)
 * instead of being kept alive in float32 between the two.
 */
export function graphContext(g: Graph, shapes: Map<string, Shape>, hook?: LinearHook, quantized?: Map<string, Nf4Layout>): GraphContext {
  const params = new Map<string, Tensor>();
  const quantizedWeight = (key: string, x: Tensor, transpose: boolean): Tensor => {
    const layout = quantized!.get(key)!;
    const inputs = nf4GraphInputs(g, key, layout);
    const build = (after: Tensor) => {
      const w = dequantizeNf4Graph(g, inputs, layout, after);
      return transpose ? g.transposeLast(w) : w;
    };
    const w = build(x);
    w.rematerialize = build;
    return w;
  };
  const ctx: GraphContext = {
    g,
    params,
    has: (name) => shapes.has(name),
    param(name) {
      let t = params.get(name);
      if (!t) {
        const shape = shapes.get(name);
        if (!shape) throw new GraphError(`the model has no parameter "${name}"`);
        t = g.input(name, shape);
        params.set(name, t);
      }
      return t;
    },
    linear(module, x, layout = 'linear') {
      const key = `${module}.weight`;
      const bias = shapes.has(`${module}.bias`) ? ctx.param(`${module}.bias`) : null;
      let base: Tensor;
      if (quantized?.has(key)) {
        const y = g.matMul(x, quantizedWeight(key, x, layout !== 'conv1d'));
        base = bias ? g.add(y, bias) : y;
      } else {
        const weight = ctx.param(key);
        base = layout === 'conv1d' ? conv1d(g, x, weight, bias) : linear(g, x, weight, bias);
      }
      return hook ? hook(module, x, base, ctx) : base;
    },
  };
  return ctx;
}
