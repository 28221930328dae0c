// The default LayerContext: every checkpoint tensor a forward pass touches becomes a graph input
// named by its checkpoint key; linear layers are plain matrix products.
import { GraphError, type Graph } from '../graph/graph.js';
import type { Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { conv1d, linear } from '../nn/linear.js';
import type { LayerContext } from './types.js';

/** Wraps a linear layer's output; LoRA uses it to add its low-rank update. */
export type LinearHook = (module: string, x: Tensor, base: Tensor, ctx: LayerContext) => Tensor;

export interface GraphContext extends LayerContext {
  /** Parameters used so far, by checkpoint key, in first-use order. */
  readonly params: Map<string, Tensor>;
}

export function graphContext(g: Graph, shapes: Map<string, Shape>, hook?: LinearHook): GraphContext {
  const params = new Map<string, Tensor>();
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
      const weight = ctx.param(`${module}.weight`);
      const bias = shapes.has(`${module}.bias`) ? ctx.param(`${module}.bias`) : null;
      const base = layout === 'conv1d' ? conv1d(g, x, weight, bias) : linear(g, x, weight, bias);
      return hook ? hook(module, x, base, ctx) : base;
    },
  };
  return ctx;
}
