// The default LayerContext: every checkpoint tensor a forward pass touches becomes a graph input
// named by its checkpoint key; linear layers are plain matrix products.
import { checkpoint } from '../autodiff/checkpoint.js';
import { GraphError, type Graph } from '../graph/graph.js';
import type { Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { int8Linear } from '../adapters/int8/int8-linear.js';
import { weightFeatures } from '../adapters/int8/int8-tensor.js';
import { dequantizeNf4Graph, nf4GraphInputs, nf4Linear, type Nf4Layout } from '../adapters/nf4/dequantize-graph.js';
import { conv1d, linear } from '../nn/linear.js';
import type { LayerContext } from './types.js';

/** Wraps a linear layer's output; LoRA uses it to add its low-rank update. */
export type LinearHook = (module: string, x: Tensor, base: Tensor, ctx: LayerContext) => Tensor;

/** Graph input of the embedding rows the host reads for a batch (see TensorRows). */
export const INPUTS_EMBEDS = 'inputs_embeds';

export interface GraphContext extends LayerContext {
  /** Parameters used so far, by checkpoint key, in first-use order. */
  readonly params: Map<string, Tensor>;
}

export interface GraphContextOptions {
  /** Wraps every linear layer (LoRA). */
  hook?: LinearHook;
  /**
   * Weight keys stored as NF4 codes, with their layout: such a layer multiplies by the codes, and
   * its float32 weight exists only inside one kernel call (forward, and again backward).
   */
  quantized?: Map<string, Nf4Layout>;
  /** Weight keys held as int8 codes with a scale per output feature: such a layer multiplies in int8 (Int8MatMul). */
  int8?: ReadonlySet<string>;
  /** Gradient checkpointing of decoder layers. */
  checkpointed?: boolean;
  /** Selective recomputation (LayerContext.recompute); whole layers already recompute when checkpointed. */
  selective?: boolean;
  /** An embedding key whose rows the host feeds as `inputs_embeds` (the table is not a graph input). */
  fedEmbedding?: string;
  /** Keys fed as float16 (frozen): cast to float32 where used, after the lookup for embeddings. */
  half?: ReadonlySet<string>;
  /**
   * A frozen output head's weight key (tied or not) that also has int8 codes and scales: its
   * product runs in int8, its input gradient with the weight itself (Int8MatMul's exact weight).
   */
  int8Head?: string;
}

/** Elements of a float16 matrix cast to float32 at a time in a product (32 MiB). */
const HALF_BLOCK_ELEMENTS = 8 * 2 ** 20;

export function graphContext(g: Graph, shapes: Map<string, Shape>, options: GraphContextOptions = {}): GraphContext {
  const { hook, quantized, int8, checkpointed, selective, fedEmbedding, half, int8Head } = options;
  const halfInput = (name: string) => g.sharedInput(name, shapes.get(name)!, 'float16');
  const params = new Map<string, Tensor>();
  const halfBlockRows = (key: string) => Math.max(1, Math.floor(HALF_BLOCK_ELEMENTS / shapes.get(key)![1]!));
  /** x · wᵀ for a float16 (out, in) matrix, cast a block at a time (no float32 copy of it all). */
  const halfProduct = (x: Tensor, key: string) => g.halfMatMul(x, halfInput(key), true, halfBlockRows(key));
  /** x · wᵀ for the (out, in) head weight in int8; the input gradient uses the weight as it is fed. */
  const int8HeadProduct = (x: Tensor, key: string) => {
    const [outFeatures, inFeatures] = shapes.get(key)! as [number, number];
    const weight = half?.has(key) ? halfInput(key) : ctx.param(key);
    return int8Linear(g, x, key, inFeatures, outFeatures, { weight, blockRows: halfBlockRows(key) });
  };
  const ctx: GraphContext = {
    g,
    params,
    has: (name) => shapes.has(name),
    embed(key, ids) {
      if (key === fedEmbedding) return g.sharedInput(INPUTS_EMBEDS, [...ids.shape, shapes.get(key)![1]!]);
      if (half?.has(key)) return g.cast(g.gather(halfInput(key), ids), 'float32');
      return g.gather(ctx.param(key), ids);
    },
    tiedHead(key, x) {
      if (key === int8Head) return int8HeadProduct(x, key);
      return half?.has(key) ? halfProduct(x, key) : g.matMul(x, g.transposeLast(ctx.param(key)));
    },
    block: (inputs, build) => (checkpointed ? checkpoint(g, inputs, build) : build(inputs)),
    recompute: (inputs, build) => (selective && !checkpointed ? checkpoint(g, inputs, build) : build(inputs)),
    param(name) {
      // A float16 matrix is cast where it is used, so no float32 copy outlives its use.
      if (half?.has(name)) return g.cast(halfInput(name), 'float32');
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
      const nf4 = quantized?.get(key);
      if (key === int8Head && layout === 'linear') {
        const y = int8HeadProduct(x, key);
        base = bias ? g.add(y, bias) : y;
      } else if (int8?.has(key)) {
        const [inFeatures, outFeatures] = weightFeatures(shapes.get(key)!, layout);
        const y = int8Linear(g, x, key, inFeatures, outFeatures);
        base = bias ? g.add(y, bias) : y;
      } else if (nf4) {
        const inputs = nf4GraphInputs(g, key, nf4);
        // Conv1D stores (in, out): the kernel multiplies by a transposed (out, in) weight only.
        const y = layout === 'conv1d' ? g.matMul(x, dequantizeNf4Graph(g, inputs, nf4, x)) : nf4Linear(g, x, inputs, nf4);
        base = bias ? g.add(y, bias) : y;
      } else if (half?.has(key) && layout === 'linear') {
        const y = halfProduct(x, key);
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
