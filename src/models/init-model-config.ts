// Sizes of the built-in random models and the config.json transformers 4.51 writes for them
// (`save_pretrained`: the fields that differ from PretrainedConfig's defaults, keys sorted).

export const INIT_ARCHITECTURES = ['llama', 'mistral', 'qwen2', 'gpt2', 'gpt_neox'] as const;
export type InitArchitecture = (typeof INIT_ARCHITECTURES)[number];

export const INIT_PRESETS = ['tiny', 'small'] as const;
export type InitPreset = (typeof INIT_PRESETS)[number];

export interface ModelSize {
  hidden: number;
  layers: number;
  heads: number;
  /** Key/value heads where the architecture has grouped-query attention. */
  kvHeads: number;
  intermediate: number;
  vocab: number;
  maxPositions: number;
}

export const PRESET_SIZES: Record<InitPreset, ModelSize> = {
  tiny: { hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, vocab: 512, maxPositions: 512 },
  small: { hidden: 256, layers: 6, heads: 8, kvHeads: 4, intermediate: 768, vocab: 2048, maxPositions: 1024 },
};

/** The special token ids a config names (they must match the tokenizer's). */
export interface ConfigTokenIds {
  bos: number;
  eos: number;
  pad: number;
}

const TRANSFORMERS_VERSION = '4.51.3';
export const INITIALIZER_RANGE = 0.02;

/** config.json's object for a model of `arch` and `size`. */
export function hfConfigJson(arch: InitArchitecture, size: ModelSize, ids: ConfigTokenIds): Record<string, unknown> {
  const common = {
    bos_token_id: ids.bos,
    eos_token_id: ids.eos,
    pad_token_id: ids.pad,
    initializer_range: INITIALIZER_RANGE,
    torch_dtype: 'float32',
    transformers_version: TRANSFORMERS_VERSION,
    use_cache: true,
    vocab_size: size.vocab,
  };
  const llamaFamily = {
    ...common,
    attention_dropout: 0.0,
    hidden_act: 'silu',
    hidden_size: size.hidden,
    intermediate_size: size.intermediate,
    max_position_embeddings: size.maxPositions,
    num_attention_heads: size.heads,
    num_hidden_layers: size.layers,
    num_key_value_heads: size.kvHeads,
    rms_norm_eps: 1e-5,
    rope_theta: 10000.0,
  };
  const headDim = size.hidden / size.heads;
  switch (arch) {
    case 'llama': // tied like SmolLM2
      return {
        ...llamaFamily, architectures: ['LlamaForCausalLM'], model_type: 'llama', attention_bias: false, mlp_bias: false,
        head_dim: headDim, pretraining_tp: 1, rope_scaling: null, tie_word_embeddings: true,
      };
    case 'mistral':
      return {
        ...llamaFamily, architectures: ['MistralForCausalLM'], model_type: 'mistral', head_dim: headDim, sliding_window: null,
        tie_word_embeddings: false,
      };
    case 'qwen2': // tied like Qwen2-0.5B
      return {
        ...llamaFamily, architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', rope_scaling: null, use_sliding_window: false,
        sliding_window: 4096, max_window_layers: 28, tie_word_embeddings: true,
      };
    case 'gpt2':
      // tie_word_embeddings is true, PretrainedConfig's default, so transformers leaves it out.
      return {
        ...common, activation_function: 'gelu_new', architectures: ['GPT2LMHeadModel'], attn_pdrop: 0.1, embd_pdrop: 0.1,
        layer_norm_epsilon: 1e-5, model_type: 'gpt2', n_embd: size.hidden, n_head: size.heads, n_inner: size.intermediate,
        n_layer: size.layers, n_positions: size.maxPositions, reorder_and_upcast_attn: false, resid_pdrop: 0.1,
        scale_attn_by_inverse_layer_idx: false, scale_attn_weights: true, summary_activation: null, summary_first_dropout: 0.1,
        summary_proj_to_labels: true, summary_type: 'cls_index', summary_use_proj: true,
      };
    case 'gpt_neox':
      return {
        ...common, architectures: ['GPTNeoXForCausalLM'], attention_bias: true, attention_dropout: 0.0, classifier_dropout: 0.1,
        hidden_act: 'gelu', hidden_dropout: 0.0, hidden_size: size.hidden, intermediate_size: size.intermediate, layer_norm_eps: 1e-5,
        max_position_embeddings: size.maxPositions, model_type: 'gpt_neox', num_attention_heads: size.heads,
        num_hidden_layers: size.layers, partial_rotary_factor: 0.25, rope_scaling: null, rope_theta: 10000.0,
        rotary_emb_base: 10000.0, rotary_pct: 0.25, tie_word_embeddings: false, use_parallel_residual: true,
      };
  }
}

/** generation_config.json as GenerationConfig.from_model_config writes it, or with a list of EOS ids. */
export function generationConfigJson(ids: { bos: number; eos: number | number[]; pad: number }): Record<string, unknown> {
  const fromModel = typeof ids.eos === 'number';
  return {
    ...(fromModel ? { _from_model_config: true } : {}),
    bos_token_id: ids.bos,
    eos_token_id: ids.eos,
    pad_token_id: ids.pad,
    transformers_version: TRANSFORMERS_VERSION,
  };
}

/** Fields that are Python floats in the config classes, written with Python's float repr. */
const FLOAT_FIELDS = new Set([
  'attention_dropout', 'attn_pdrop', 'classifier_dropout', 'embd_pdrop', 'hidden_dropout', 'initializer_range', 'layer_norm_eps',
  'layer_norm_epsilon', 'partial_rotary_factor', 'resid_pdrop', 'rms_norm_eps', 'rope_theta', 'rotary_emb_base', 'rotary_pct',
  'summary_first_dropout',
]);

/** JSON as transformers writes config files: json.dumps(indent=2, sort_keys=True) plus a newline. */
export function configFileText(config: Record<string, unknown>): string {
  return pythonJson(config, '', null) + '\n';
}

function pythonJson(value: unknown, indent: string, key: string | null): string {
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + pythonJson(v, inner, key)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pythonJson(v, inner, k)}`).join(',\n')}\n${indent}}`;
  }
  if (typeof value === 'number' && key !== null && FLOAT_FIELDS.has(key)) return pythonFloat(value);
  return JSON.stringify(value);
}

/** Python's repr of a float: shortest digits, scientific below 1e-4 or from 1e16, `.0` on whole numbers. */
export function pythonFloat(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot write ${x} as a JSON number`);
  const [mantissa, exponentText] = x.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const text = String(x);
  return /[.e]/.test(text) ? text : `${text}.0`;
}
