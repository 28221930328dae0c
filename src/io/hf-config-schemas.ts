/**
 * zod schemas for each supported config.json, with the defaults transformers'
 * configuration_<model>.py classes use, normalised to one camelCase vocabulary.
 */
import { z } from 'zod';
import { resolveRope, ropeSourceSchema } from './hf-config-rope.js';
import type { RopeConfig } from './hf-config-rope.js';

/** Fields every supported architecture has, under the same names. */
export interface CommonModelConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  headDim: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  hiddenAct: string;
  tieWordEmbeddings: boolean;
  bosTokenId: number | null;
  eosTokenId: number | number[] | null;
  padTokenId: number | null;
  initializerRange: number;
  /** `torch_dtype` (transformers v4) or `dtype` (v5) of the stored weights, when given. */
  torchDtype: string | null;
}

/** Llama, Mistral and Qwen2: RMSNorm, SwiGLU MLP, RoPE, grouped-query attention. */
export interface LlamaFamilyConfig<T extends 'llama' | 'mistral' | 'qwen2'> extends CommonModelConfig {
  modelType: T;
  numKeyValueHeads: number;
  rmsNormEps: number;
  rope: RopeConfig;
  /** Bias on q/k/v projections (Qwen2 always; Llama with `attention_bias`). */
  attentionQkvBias: boolean;
  /** Bias on o_proj (Llama with `attention_bias`; never Qwen2 or Mistral). */
  attentionOutputBias: boolean;
  mlpBias: boolean;
  attentionDropout: number;
  /** Null when every layer attends to the whole sequence. */
  slidingWindow: number | null;
}

export type LlamaConfig = LlamaFamilyConfig<'llama'>;
export type MistralConfig = LlamaFamilyConfig<'mistral'>;
export type Qwen2Config = LlamaFamilyConfig<'qwen2'>;

export interface Gpt2Config extends CommonModelConfig {
  modelType: 'gpt2';
  layerNormEps: number;
  scaleAttnWeights: boolean;
  scaleAttnByInverseLayerIdx: boolean;
  reorderAndUpcastAttn: boolean;
  residPdrop: number;
  embdPdrop: number;
  attnPdrop: number;
}

export interface GptNeoxConfig extends CommonModelConfig {
  modelType: 'gpt_neox';
  layerNormEps: number;
  rope: RopeConfig;
  /** Fraction of each head that is rotated (`rotary_pct`). */
  partialRotaryFactor: number;
  /** Rotated dimensions per head: int(headDim * partialRotaryFactor), as transformers computes it. */
  rotaryDim: number;
  useParallelResidual: boolean;
  attentionBias: boolean;
  attentionDropout: number;
  hiddenDropout: number;
}

const count = z.number().int().positive();
const tokenId = z.number().int().nonnegative().nullable();
const eosTokenId = z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).nullable();
const probability = z.number().min(0).max(1);
const dtypeFields = { torch_dtype: z.string().nullish(), dtype: z.string().nullish() };

interface FamilyDefaults {
  vocab_size: number;
  intermediate_size: number;
  num_key_value_heads: number | null;
  max_position_embeddings: number;
  bos_token_id: number | null;
  eos_token_id: number | null;
}

function llamaFamilySchema<T extends 'llama' | 'mistral' | 'qwen2'>(modelType: T, defaults: FamilyDefaults) {
  return z
    .object({
      vocab_size: count.default(defaults.vocab_size),
      hidden_size: count.default(4096),
      intermediate_size: count.default(defaults.intermediate_size),
      num_hidden_layers: count.default(32),
      num_attention_heads: count.default(32),
      num_key_value_heads: count.nullable().default(defaults.num_key_value_heads),
      head_dim: count.nullable().default(null),
      hidden_act: z.string().default('silu'),
      max_position_embeddings: count.default(defaults.max_position_embeddings),
      initializer_range: z.number().nonnegative().default(0.02),
      rms_norm_eps: z.number().positive().default(1e-6),
      bos_token_id: tokenId.default(defaults.bos_token_id),
      eos_token_id: eosTokenId.default(defaults.eos_token_id),
      pad_token_id: tokenId.default(null),
      tie_word_embeddings: z.boolean().default(false),
      attention_bias: z.boolean().default(false),
      mlp_bias: z.boolean().default(false),
      attention_dropout: probability.default(0),
      sliding_window: count.nullable().default(4096),
      use_sliding_window: z.boolean().default(false),
      ...ropeSourceSchema.shape,
      ...dtypeFields,
    })
    .transform((c, ctx): LlamaFamilyConfig<T> => {
      const headDim = c.head_dim ?? divide(c.hidden_size, c.num_attention_heads, 'hidden_size', ctx);
      const numKeyValueHeads = c.num_key_value_heads ?? c.num_attention_heads;
      if (c.num_attention_heads % numKeyValueHeads !== 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['num_key_value_heads'],
          message: `${numKeyValueHeads} must divide num_attention_heads (${c.num_attention_heads})`,
        });
      }
      return {
        modelType,
        ...common(c, headDim, c.intermediate_size, c.hidden_act),
        numKeyValueHeads,
        rmsNormEps: c.rms_norm_eps,
        rope: resolveRope(c, 10000, ctx),
        attentionQkvBias: modelType === 'qwen2' || (modelType === 'llama' && c.attention_bias),
        attentionOutputBias: modelType === 'llama' && c.attention_bias,
        mlpBias: modelType === 'llama' && c.mlp_bias,
        attentionDropout: c.attention_dropout,
        slidingWindow: slidingWindow(modelType, c.sliding_window, c.use_sliding_window),
      };
    });
}

/** Mistral always slides when set; Qwen2 only with use_sliding_window; Llama never. */
function slidingWindow(modelType: string, window: number | null, enabled: boolean): number | null {
  if (modelType === 'mistral') return window;
  if (modelType === 'qwen2' && enabled) return window;
  return null;
}

export const llamaSchema = llamaFamilySchema('llama', {
  vocab_size: 32000,
  intermediate_size: 11008,
  num_key_value_heads: null,
  max_position_embeddings: 2048,
  bos_token_id: 1,
  eos_token_id: 2,
});

export const mistralSchema = llamaFamilySchema('mistral', {
  vocab_size: 32000,
  intermediate_size: 14336,
  num_key_value_heads: 8,
  max_position_embeddings: 4096 * 32,
  bos_token_id: 1,
  eos_token_id: 2,
});

export const qwen2Schema = llamaFamilySchema('qwen2', {
  vocab_size: 151936,
  intermediate_size: 22016,
  num_key_value_heads: 32,
  max_position_embeddings: 32768,
  bos_token_id: null,
  eos_token_id: null,
});

export const gpt2Schema = z
  .object({
    vocab_size: count.default(50257),
    n_positions: count.default(1024),
    n_embd: count.default(768),
    n_layer: count.default(12),
    n_head: count.default(12),
    n_inner: count.nullable().default(null),
    activation_function: z.string().default('gelu_new'),
    resid_pdrop: probability.default(0.1),
    embd_pdrop: probability.default(0.1),
    attn_pdrop: probability.default(0.1),
    layer_norm_epsilon: z.number().positive().default(1e-5),
    initializer_range: z.number().nonnegative().default(0.02),
    scale_attn_weights: z.boolean().default(true),
    scale_attn_by_inverse_layer_idx: z.boolean().default(false),
    reorder_and_upcast_attn: z.boolean().default(false),
    bos_token_id: tokenId.default(50256),
    eos_token_id: eosTokenId.default(50256),
    pad_token_id: tokenId.default(null),
    tie_word_embeddings: z.boolean().default(true), // PretrainedConfig's default; GPT2Config keeps it
    ...dtypeFields,
  })
  .transform((c, ctx): Gpt2Config => {
    const headDim = divide(c.n_embd, c.n_head, 'n_embd', ctx);
    const renamed = {
      vocab_size: c.vocab_size,
      hidden_size: c.n_embd,
      num_hidden_layers: c.n_layer,
      num_attention_heads: c.n_head,
      max_position_embeddings: c.n_positions,
    };
    return {
      modelType: 'gpt2',
      ...common({ ...c, ...renamed }, headDim, c.n_inner ?? 4 * c.n_embd, c.activation_function),
      layerNormEps: c.layer_norm_epsilon,
      scaleAttnWeights: c.scale_attn_weights,
      scaleAttnByInverseLayerIdx: c.scale_attn_by_inverse_layer_idx,
      reorderAndUpcastAttn: c.reorder_and_upcast_attn,
      residPdrop: c.resid_pdrop,
      embdPdrop: c.embd_pdrop,
      attnPdrop: c.attn_pdrop,
    };
  });

export const gptNeoxSchema = z
  .object({
    vocab_size: count.default(50432),
    hidden_size: count.default(6144),
    num_hidden_layers: count.default(44),
    num_attention_heads: count.default(64),
    intermediate_size: count.default(24576),
    hidden_act: z.string().default('gelu'),
    rotary_pct: z.number().gt(0).lte(1).optional(),
    rotary_emb_base: z.number().positive().optional(),
    attention_dropout: probability.default(0),
    hidden_dropout: probability.default(0),
    max_position_embeddings: count.default(2048),
    initializer_range: z.number().nonnegative().default(0.02),
    layer_norm_eps: z.number().positive().default(1e-5),
    bos_token_id: tokenId.default(0),
    eos_token_id: eosTokenId.default(2),
    pad_token_id: tokenId.default(null),
    tie_word_embeddings: z.boolean().default(false),
    use_parallel_residual: z.boolean().default(true),
    attention_bias: z.boolean().default(true),
    ...ropeSourceSchema.shape,
    ...dtypeFields,
  })
  .transform((c, ctx): GptNeoxConfig => {
    const headDim = divide(c.hidden_size, c.num_attention_heads, 'hidden_size', ctx);
    const ropeFields = c.rope_scaling ?? c.rope_parameters;
    const partialRotaryFactor = ropeFields?.partial_rotary_factor ?? c.rotary_pct ?? 0.25;
    return {
      modelType: 'gpt_neox',
      ...common(c, headDim, c.intermediate_size, c.hidden_act),
      layerNormEps: c.layer_norm_eps,
      rope: resolveRope(c, c.rotary_emb_base ?? 10000, ctx),
      partialRotaryFactor,
      rotaryDim: Math.trunc(headDim * partialRotaryFactor),
      useParallelResidual: c.use_parallel_residual,
      attentionBias: c.attention_bias,
      attentionDropout: c.attention_dropout,
      hiddenDropout: c.hidden_dropout,
    };
  });

interface CommonSnake {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  bos_token_id: number | null;
  eos_token_id: number | number[] | null;
  pad_token_id: number | null;
  initializer_range: number;
  torch_dtype?: string | null | undefined;
  dtype?: string | null | undefined;
}

function common(c: CommonSnake, headDim: number, intermediateSize: number, hiddenAct: string): CommonModelConfig {
  return {
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    numHiddenLayers: c.num_hidden_layers,
    numAttentionHeads: c.num_attention_heads,
    headDim,
    intermediateSize,
    maxPositionEmbeddings: c.max_position_embeddings,
    hiddenAct,
    tieWordEmbeddings: c.tie_word_embeddings,
    bosTokenId: c.bos_token_id,
    eosTokenId: c.eos_token_id,
    padTokenId: c.pad_token_id,
    initializerRange: c.initializer_range,
    torchDtype: c.dtype ?? c.torch_dtype ?? null,
  };
}

/** hidden / heads, reporting a remainder as an issue on `field`, as transformers refuses it too. */
function divide(hidden: number, heads: number, field: string, ctx: z.RefinementCtx): number {
  if (hidden % heads !== 0) {
    const message = `${hidden} is not a multiple of the number of attention heads (${heads})`;
    ctx.addIssue({ code: 'custom', path: [field], message });
  }
  return Math.floor(hidden / heads);
}
