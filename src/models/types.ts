// What every architecture file exports, and the tensors a forward pass reads and returns.
// Shapes: B batch, T new tokens, P cached tokens, S = P + T, C hidden, K kv heads, D head size.
import type { Graph } from '../graph/graph.js';
import type { Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import type { HfModelConfig } from '../io/hf-config.js';

/** Graph inputs of one forward pass; the host fills them with `prepareInputs`. */
export interface ForwardInputs {
  /** (B, T) int64 token ids. */
  inputIds: Tensor;
  /** (B, T) int64 positions (learned position embeddings), when the architecture has them. */
  positionIds: Tensor | null;
  /** (B*T, R/2) rotary cos and sin of the new tokens (row b*T + t), when the architecture rotates. */
  ropeCos: Tensor | null;
  ropeSin: Tensor | null;
  /** (B, T, S) additive attention mask: 0 where a token may attend, -1e9 where it may not. */
  mask: Tensor;
  /** Per layer, cached keys and values of earlier tokens, (B, K, P, D); empty without a cache. */
  past: { k: Tensor; v: Tensor }[];
}

export interface ForwardOutputs {
  /** (B, T, V), or (B, 1, V) with `lastOnly`. */
  logits: Tensor;
  /** Per layer, keys and values of the new tokens, (B, K, T, D). */
  present: { k: Tensor; v: Tensor }[];
}

/**
 * Where a model gets its weights and how its linear layers compute. Adapters (LoRA) wrap
 * `linear` instead of subclassing layers, so a model file never knows about them.
 */
export interface LayerContext {
  g: Graph;
  /** The tensor of a checkpoint key. */
  param(name: string): Tensor;
  /** Whether the checkpoint has a tensor (optional biases). */
  has(name: string): boolean;
  /** A torch.nn.Linear (weight (out, in)) or GPT-2 Conv1D (weight (in, out)) named by its module path. */
  linear(module: string, x: Tensor, layout?: 'linear' | 'conv1d'): Tensor;
  /** Rows of an input embedding table for (B, T) token ids: (B, T, C). */
  embed(key: string, ids: Tensor): Tensor;
  /** x (..., C) times the transpose of a (V, C) table: a tied output head's logits. */
  tiedHead(key: string, x: Tensor): Tensor;
  /**
   * One decoder layer: `build(inputs)`, or with gradient checkpointing the same block recomputed
   * in the backward pass instead of keeping its intermediate values (see autodiff/checkpoint.ts).
   */
  block(inputs: Tensor[], build: (inputs: Tensor[]) => Tensor[]): Tensor[];
  /**
   * Values inside a layer that are cheap to recompute but large to keep (attention probabilities,
   * activation-function intermediates): `build(inputs)`, with selective recomputation rebuilt in
   * the backward pass from the inputs, which stay alive, while the outputs are kept.
   */
  recompute: Recompute;
}

/** See LayerContext.recompute. */
export type Recompute = (inputs: Tensor[], build: (inputs: Tensor[]) => Tensor[]) => Tensor[];

export interface ForwardOptions {
  /** Compute logits for the last position only (generation). */
  lastOnly?: boolean;
}

/** Where a model's output head lives: its weight's checkpoint key, its Hugging Face module, and whether it is the input embedding. */
export interface OutputHead {
  /** `model.embed_tokens.weight` when tied, else `lm_head.weight`; GPT-2 `transformer.wte.weight`, GPT-NeoX `embed_out.weight`. */
  weight: string;
  /** The head's module path in transformers (`lm_head`, `embed_out`), tied or not. */
  module: string;
  tied: boolean;
}

export interface Architecture<C extends { modelType: string } = HfModelConfig> {
  readonly modelTypes: readonly string[];
  /** Checkpoint keys and shapes, in checkpoint order. */
  parameters(config: C): Map<string, Shape>;
  /** Rotated dimensions per head, or 0 when positions are learned embeddings. */
  rotaryDim(config: C): number;
  kvHeads(config: C): number;
  /** Module paths of every linear layer (LoRA targets), and the default LoRA targets. */
  linearModules(config: C): string[];
  defaultLoraTargets: readonly string[];
  /** The input embedding's key when nothing but the token lookup reads it (untied), else null. */
  lookupOnlyEmbedding(config: C): string | null;
  /** The matrix the logits are computed from (the input embedding when tied) and the output head's module path. */
  outputHead(config: C): OutputHead;
  /** Module paths stored in Conv1D layout (GPT-2), for fan_in_fan_out. */
  conv1dModules?: readonly string[];
  forward(ctx: LayerContext, config: C, inputs: ForwardInputs, options?: ForwardOptions): ForwardOutputs;
}
