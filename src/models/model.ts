// A loaded causal language model: config, architecture and weights resident in the runtime's
// worker, with forward passes compiled once per (batch, length, cache length) shape.
import { join } from 'node:path';
import { Graph } from '../graph/graph.js';
import type { Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import { int8Feeds } from '../adapters/int8/int8-linear.js';
import type { Int8Tensor, WeightLayout } from '../adapters/int8/int8-tensor.js';
import { dequantizeInt8, quantizeInt8, quantizeNf4Int8 } from '../adapters/int8/quantize-int8.js';
import { dequantizeNf4 } from '../adapters/nf4/dequantize-nf4.js';
import { nf4Feeds, nf4Layout } from '../adapters/nf4/dequantize-graph.js';
import type { Nf4Tensor } from '../adapters/nf4/nf4-tensor.js';
import { quantizeNf4 } from '../adapters/nf4/quantize-nf4.js';
import { halfToFloat32 } from '../io/half-float.js';
import { readHfConfig, type HfModelConfig } from '../io/hf-config.js';
import { openModelWeights } from '../io/safetensors.js';
import { Resident, type Executable, type Feed, type Runtime } from '../runtime/runtime.js';
import { graphContext, INPUTS_EMBEDS, type LinearHook } from './context.js';
import { TensorRows } from './tensor-rows.js';
import { layoutInputs, ropeInputs, type BatchLayout } from './inputs.js';
import { architectureFor } from './registry.js';
import type { Architecture, ForwardInputs } from './types.js';
import { checkedInfo, readQuantizedLayers, readWeights } from './weights.js';

export interface ForwardShape {
  batch: number;
  length: number;
  pastLength: number;
  lastOnly: boolean;
}

export interface ForwardResult {
  /** (B, T, V) or (B, 1, V) */
  logits: Float32Array;
  vocab: number;
  /** Per layer, (B, K, T, D) keys and values of the new tokens. */
  present: { k: Float32Array; v: Float32Array }[];
}

/** A graph hook (LoRA) run inside the forward pass, with the feeds of the graph inputs it adds. */
export interface ForwardAdapter {
  /** Names the hooked graph's structure in the compile cache: equal keys must build equal graphs. */
  key: string;
  hook: LinearHook;
  /** Feeds for the hook's inputs; a feed named like a base weight replaces that weight. */
  feeds: Record<string, Feed>;
}

let nextInstance = 1;

export interface QuantizeOptions {
  blocksize?: number;
  doubleQuant?: boolean;
}

export class CausalLM {
  readonly arch: Architecture;
  /** Prefix of this model's resident tensors in a runtime (unique per loaded instance). */
  readonly residentPrefix = `model${nextInstance++}`;
  readonly shapes: Map<string, Shape>;
  /** Linear weights held as NF4 codes (QLoRA), by weight key. */
  readonly quantized = new Map<string, Nf4Tensor>();
  /** Linear weights held as int8 codes with a scale per output feature (an int8 frozen base), by weight key. */
  readonly int8 = new Map<string, Int8Tensor>();
  /**
   * int8 codes of the frozen output head next to its own float32 or float16 weight (an int8 base):
   * logits are an int8 product, the head's input gradient is computed with the weight itself.
   */
  private int8Head: { key: string; tensor: Int8Tensor } | null = null;
  /**
   * Gradient checkpointing: training graphs recompute each decoder layer in the backward pass
   * instead of keeping its activations (less memory, one more forward pass of compute).
   */
  gradientCheckpointing = false;
  /**
   * Selective recomputation: training graphs recompute attention probabilities and activation
   * functions in the backward pass instead of keeping them (see LayerContext.recompute).
   */
  selectiveRecompute = false;
  /** Selective recomputation for training graphs of at least this many positions only (LoRA's `auto`). */
  selectiveFromLength = Infinity;
  /** The weights' handles once moved into a runtime's worker (one upload, however many callers wait). */
  private residents: Promise<Map<string, Resident>> | null = null;
  /** The input embedding when it stays in its file (see load's `frozen`). */
  private embeddingRows: TensorRows | null = null;
  /** Frozen float matrices held in float16 (see load's `frozen`), by key, until moved into a runtime. */
  private readonly half = new Map<string, Uint16Array>();
  private readonly halfKeys = new Set<string>();
  private weights: Map<string, Float32Array> | null;

  private constructor(
    readonly dir: string, readonly config: HfModelConfig, weights: Map<string, Float32Array>, quantized?: Map<string, Nf4Tensor>, int8?: Map<string, Int8Tensor>,
  ) {
    this.arch = architectureFor(config);
    this.shapes = this.arch.parameters(config);
    this.weights = weights;
    for (const [k, v] of quantized ?? []) this.quantized.set(k, v);
    for (const [k, v] of int8 ?? []) this.int8.set(k, v);
  }

  /**
   * Loads config.json and the safetensors weights of a model folder (float, or bitsandbytes 4-bit
   * layers). With `frozen` (a base nothing trains but adapters: QLoRA), an input embedding that
   * only the token lookup reads stays in its file and each batch reads its rows, and the other
   * float matrices outside linear layers (output head, tied or position embeddings) are held in
   * float16 and cast to float32 where used.
   */
  static async load(dir: string, options: { quantize?: QuantizeOptions; frozen?: boolean } = {}): Promise<CausalLM> {
    const config = await readHfConfig(dir);
    const arch = architectureFor(config);
    const source = await openModelWeights(dir);
    const expected = arch.parameters(config);
    const quantized = await readQuantizedLayers(source, dir);
    for (const key of quantized.keys()) expected.delete(key);
    const linear = new Set(arch.linearModules(config).map((m) => `${m}.weight`));
    const lookup = options.frozen ? arch.lookupOnlyEmbedding(config) : null;
    let rows: TensorRows | null = null;
    const half = new Map<string, Uint16Array>();
    for (const [key, shape] of options.frozen ? [...expected] : []) {
      if (shape.length !== 2 || linear.has(key)) continue;
      const info = checkedInfo(source, key, shape, dir);
      const matrix = new TensorRows(join(dir, info.file), info);
      if (key === lookup) {
        rows = matrix;
      } else {
        half.set(key, matrix.half());
        matrix.close();
      }
      expected.delete(key);
    }
    // QLoRA: linear weights are quantized as they are read, so their float32 copies never pile up.
    const keep = (name: string, data: Float32Array) => {
      if (options.quantize && linear.has(name)) {
        quantized.set(name, quantizeNf4(data, expected.get(name)!, { blocksize: options.quantize.blocksize ?? 64, doubleQuant: options.quantize.doubleQuant ?? true }));
        return false;
      }
      return true;
    };
    const model = new CausalLM(dir, config, await readWeights(source, expected, dir, keep), quantized);
    model.embeddingRows = rows;
    for (const [k, v] of half) {
      model.half.set(k, v);
      model.halfKeys.add(k);
    }
    return model;
  }

  /** Whether some weights are stored in 4 bits. */
  get isQuantized(): boolean {
    return this.quantized.size > 0;
  }

  /**
   * Stores every linear layer's weight as NF4 codes (bitsandbytes' algorithm), dropping the
   * float32 copy; embeddings, norms and the output head stay in float32 as in the QLoRA recipe.
   */
  quantizeLinearWeights(options: QuantizeOptions = {}): void {
    const weights = this.hostWeights();
    for (const module of this.arch.linearModules(this.config)) {
      const key = `${module}.weight`;
      const w = weights.get(key);
      if (!w) continue;
      this.quantized.set(key, quantizeNf4(w, this.shapes.get(key)!, { blocksize: options.blocksize ?? 64, doubleQuant: options.doubleQuant ?? true }));
      weights.delete(key);
    }
  }

  /**
   * Holds every linear weight as int8 codes with one scale per output feature, for a frozen base
   * whose products run in int8: from the float32 weight, or for a 4-bit layer from the NF4 values
   * it stands for (within 1/254 of each feature's largest value); the float32 or NF4 copy is
   * dropped. The output head (unless `head` is false) gets int8 codes for its forward product
   * and keeps its weight for its input gradient: softmax-minus-one-hot gradient rows are mostly
   * values int8 would round to zero (an int8 backward product tripled the loss-curve gap of the
   * stories260K-sized test model, base-precision.test.ts).
   */
  quantizeLinearInt8(options: { head?: boolean } = {}): void {
    const weights = this.hostWeights();
    if (options.head !== false) this.quantizeHeadInt8();
    for (const module of this.arch.linearModules(this.config)) {
      const key = `${module}.weight`;
      const nf4 = this.quantized.get(key);
      const w = weights.get(key);
      const layout = this.weightLayout(key);
      const codes = nf4 ? quantizeNf4Int8(nf4, layout) : w ? quantizeInt8(w, this.shapes.get(key)!, layout) : null;
      if (!codes) continue;
      this.int8.set(key, codes);
      weights.delete(key);
      this.quantized.delete(key);
    }
  }

  /** Gives the frozen output head int8 codes for its forward product (see quantizeLinearInt8). */
  quantizeHeadInt8(): void {
    const head = this.arch.outputHead(this.config).weight;
    const weight = this.hostWeights().get(head) ?? (this.half.has(head) ? halfToFloat32(this.half.get(head)!) : undefined);
    if (!weight) throw new Error(`the output head ${head} is not held here (moved into the runtime?)`);
    this.int8Head = { key: head, tensor: quantizeInt8(weight, this.shapes.get(head)!, 'linear') };
  }

  /** What the linear layers compute with: float32 weights, NF4 codes (QLoRA) or int8 codes. */
  get basePrecision(): 'fp32' | 'nf4' | 'int8' {
    return this.int8.size > 0 ? 'int8' : this.quantized.size > 0 ? 'nf4' : 'fp32';
  }

  private weightLayout(key: string): WeightLayout {
    return (this.arch.conv1dModules ?? []).some((m) => key.endsWith(`.${m}.weight`)) ? 'conv1d' : 'linear';
  }

  static fromWeights(
    dir: string, config: HfModelConfig, weights: Map<string, Float32Array>, quantized?: Map<string, Nf4Tensor>, int8?: Map<string, Int8Tensor>,
  ): CausalLM {
    return new CausalLM(dir, config, weights, quantized, int8);
  }

  get headDim(): number { return this.config.headDim; }
  get kvHeads(): number { return this.arch.kvHeads(this.config); }
  get layers(): number { return this.config.numHiddenLayers; }
  get vocabSize(): number { return this.config.vocabSize; }
  get rotaryDim(): number { return this.arch.rotaryDim(this.config); }

  /** Host copies of the float weights (until they are moved into a runtime); quantized ones are not included. */
  hostWeights(): Map<string, Float32Array> {
    if (!this.weights) throw new Error('the weights were moved into the runtime');
    return this.weights;
  }

  /** Whether a tensor is frozen in a compact form (rows read from its file per batch, float16 or int8): it cannot be trained. */
  isFrozenCompact(key: string): boolean {
    return this.embeddingRows?.info.name === key || this.halfKeys.has(key) || this.holdsInt8(key);
  }

  /** Every weight's int8 codes and scales: the linear layers', then the output head's. */
  int8Tensors(): [string, Int8Tensor][] {
    return this.int8Head ? [...this.int8, [this.int8Head.key, this.int8Head.tensor]] : [...this.int8];
  }

  /** Whether a weight has int8 codes (an int8 base's linear layer or its output head): it cannot be trained. */
  holdsInt8(key: string): boolean {
    return this.int8.has(key) || this.int8Head?.key === key;
  }

  /** Every weight in float32, dequantizing 4-bit and int8 layers (for merging and saving). */
  floatWeights(): Map<string, Float32Array> {
    const out = new Map(this.hostWeights());
    if (this.embeddingRows) out.set(this.embeddingRows.info.name, this.embeddingRows.all());
    for (const [key, bits] of this.half) out.set(key, halfToFloat32(bits));
    for (const [key, q] of this.quantized) out.set(key, dequantizeNf4(q));
    for (const [key, t] of this.int8) out.set(key, dequantizeInt8(t, this.weightLayout(key)));
    return out;
  }

  /**
   * Moves the weights into the runtime's worker once; later forward passes feed them by handle.
   * Callers that arrive while the move is under way (concurrent requests to a server that has just
   * started) wait for the same move: the host arrays are transferred, so a second move would find
   * them empty.
   */
  residentWeights(rt: Runtime): Promise<Map<string, Resident>> {
    this.residents ??= this.moveWeights(rt);
    return this.residents;
  }

  private async moveWeights(rt: Runtime): Promise<Map<string, Resident>> {
    const residents = new Map<string, Resident>();
    for (const [name, data] of this.hostWeights()) {
      residents.set(name, await rt.upload(`${this.residentPrefix}#${name}`, { data, shape: this.shapes.get(name)!, dtype: 'float32' }, { transfer: true }));
    }
    for (const [name, data] of this.half) {
      residents.set(name, await rt.upload(`${this.residentPrefix}#${name}`, { data, shape: this.shapes.get(name)!, dtype: 'float16' }, { transfer: true }));
    }
    this.half.clear();
    for (const [key, q] of this.quantized) {
      // Moved, not copied: the codes then exist once, in the worker (the layout stays here for graphs).
      for (const [name, t] of Object.entries(nf4Feeds(key, q))) residents.set(name, await rt.upload(`${this.residentPrefix}#${name}`, t, { transfer: true }));
    }
    for (const [key, q] of this.int8Tensors()) {
      for (const [name, t] of Object.entries(int8Feeds(key, q))) residents.set(name, await rt.upload(`${this.residentPrefix}#${name}`, t, { transfer: true }));
    }
    this.weights = null;
    return residents;
  }

  /** Builds the forward graph for one shape; `hook` lets adapters wrap linear layers. */
  buildForward(shape: ForwardShape, hook?: LinearHook) {
    const { batch: b, length: t, pastLength: p } = shape;
    const g = new Graph();
    const layouts = new Map([...this.quantized].map(([k, q]) => [k, nf4Layout(q)]));
    const ctx = graphContext(g, this.shapes, {
      hook, quantized: layouts.size > 0 ? layouts : undefined, int8: new Set(this.int8.keys()), checkpointed: this.gradientCheckpointing, selective: this.selectiveRecompute || t >= this.selectiveFromLength, fedEmbedding: this.embeddingRows?.info.name,
      half: this.halfKeys, int8Head: this.int8Head?.key,
    });
    const r = this.rotaryDim;
    const inputs: ForwardInputs = {
      inputIds: g.input('input_ids', [b, t], 'int64'),
      positionIds: r === 0 ? g.input('position_ids', [b, t], 'int64') : null,
      ropeCos: r > 0 ? g.input('rope_cos', [b * t, r / 2]) : null,
      ropeSin: r > 0 ? g.input('rope_sin', [b * t, r / 2]) : null,
      mask: g.input('attention_mask', [b, t, p + t]),
      past: p === 0 ? [] : Array.from({ length: this.layers }, (_, i) => ({
        k: g.input(`past.${i}.k`, [b, this.kvHeads, p, this.headDim]),
        v: g.input(`past.${i}.v`, [b, this.kvHeads, p, this.headDim]),
      })),
    };
    const out = this.arch.forward(ctx, this.config, inputs, { lastOnly: shape.lastOnly });
    return { g, ctx, inputs, logits: out.logits, present: out.present };
  }

  /** Host feeds for a batch: ids, positions or rotary tables, and the attention mask. */
  batchFeeds(batch: BatchLayout): Record<string, Feed> {
    const host = layoutInputs(batch);
    const feeds: Record<string, Feed> = { input_ids: host.inputIds, attention_mask: host.mask };
    if (this.embeddingRows) feeds[INPUTS_EMBEDS] = this.embeddingRows.rows(batch.ids.flat());
    if (this.rotaryDim === 0) {
      feeds.position_ids = host.positionIds;
    } else {
      const c = this.config as HfModelConfig & { rope: { theta: number; scaling: never } };
      const tables = ropeInputs(
        { rotaryDim: this.rotaryDim, theta: c.rope.theta, scaling: c.rope.scaling, maxPositionEmbeddings: c.maxPositionEmbeddings },
        host.positions,
      );
      feeds.rope_cos = tables.cos;
      feeds.rope_sin = tables.sin;
    }
    return feeds;
  }

  /**
   * The compiled forward pass for a shape (outputs `logits` and `present.{i}.k|v`); with `adapter`,
   * its hook wraps the linear layers and its key tells the compile cache which graph that is.
   */
  compiledForward(rt: Runtime, shape: ForwardShape, adapter?: Pick<ForwardAdapter, 'key' | 'hook'>): Promise<Executable> {
    const plain = `forward:${this.dir}:q${this.quantized.size}${this.int8.size > 0 ? `:i8x${this.int8.size}` : ''}${this.int8Head ? ':h8' : ''}${this.embeddingRows ? ':fed' : ''}${this.halfKeys.size > 0 ? ':f16' : ''}:${shape.batch}x${shape.length}:p${shape.pastLength}:${shape.lastOnly ? 'last' : 'all'}`;
    const key = adapter ? `${plain}:${adapter.key}` : plain;
    return rt.compileCached(key, () => {
      const { g, logits, present } = this.buildForward(shape, adapter?.hook);
      const outputs: Record<string, Tensor> = { logits };
      present.forEach((kv, i) => {
        outputs[`present.${i}.k`] = kv.k;
        outputs[`present.${i}.v`] = kv.v;
      });
      return { graph: g, outputs };
    });
  }

  /**
   * Logits for a padded batch; with `past`, the ids continue cached keys/values of P earlier tokens.
   * `withPresent` also returns the new tokens' keys and values (for a KV cache).
   */
  async forward(
    rt: Runtime,
    batch: BatchLayout & { past?: { k: Float32Array; v: Float32Array }[] },
    options: { lastOnly?: boolean; withPresent?: boolean } = {},
  ): Promise<ForwardResult> {
    const shape: ForwardShape = {
      batch: batch.ids.length, length: batch.ids[0]!.length, pastLength: batch.pastLength ?? 0, lastOnly: options.lastOnly ?? false,
    };
    const exe = await this.compiledForward(rt, shape);
    const feeds: Record<string, Feed> = { ...this.batchFeeds(batch), ...Object.fromEntries(await this.residentWeights(rt)) };
    batch.past?.forEach((kv, i) => {
      feeds[`past.${i}.k`] = kv.k;
      feeds[`past.${i}.v`] = kv.v;
    });
    const fetch = ['logits'];
    if (options.withPresent) for (let i = 0; i < this.layers; i++) fetch.push(`present.${i}.k`, `present.${i}.v`);
    const out = await exe.run(feeds, { fetch });
    const present = options.withPresent
      ? Array.from({ length: this.layers }, (_, i) => ({
        k: out[`present.${i}.k`]!.data as Float32Array, v: out[`present.${i}.v`]!.data as Float32Array,
      }))
      : [];
    return { logits: out.logits!.data as Float32Array, vocab: this.vocabSize, present };
  }
}
