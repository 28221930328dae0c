// A Hugging Face checkpoint's tensors and hyperparameters under llama.cpp's names, as
// convert_hf_to_gguf.py maps them: Llama and Mistral as architecture "llama" (q_proj and k_proj
// rows permuted from rotate_half's layout to llama.cpp's interleaved rotary pairs), Qwen2 as
// "qwen2" (no permutation, q/k/v biases), GPT-2 as "gpt2" (Conv1D weights transposed, the tied
// head written as output.weight). GPT-NeoX is not mapped yet.
import { TunaInputError } from '../errors.js';
import type { HfModelConfig } from '../io/hf-config.js';
import { f32, u32, str, type GgufValue } from './gguf-format.js';

/** One tensor in llama.cpp's naming: HF source name, how to turn the HF values into GGUF's, and its HF shape after that. */
export interface MappedTensor {
  gguf: string;
  hf: string;
  /** Row-major shape of the values written (after `transform`); the GGUF dims are this reversed. */
  shape: number[];
  /** From the checkpoint's values to the written ones; `shape` is the written shape. */
  transform?: (values: Float32Array, shape: readonly number[]) => Float32Array;
}

export interface ArchitectureMapping {
  arch: 'llama' | 'qwen2' | 'gpt2';
  metadata: [string, GgufValue][];
  tensors: MappedTensor[];
}

/**
 * llama.cpp's LlamaModel.permute: within each head, rows [x0..x(d/2-1), y0..y(d/2-1)] of
 * rotate_half's layout become interleaved pairs [x0, y0, x1, y1, ...].
 */
export function permuteRotaryRows(values: Float32Array, shape: readonly number[], heads: number): Float32Array {
  const [rows, cols = 1] = shape as [number, number?];
  const headDim = rows / heads;
  const half = headDim / 2;
  const out = new Float32Array(values.length);
  for (let h = 0; h < heads; h++) {
    for (let j = 0; j < half; j++) {
      for (let part = 0; part < 2; part++) {
        const from = h * headDim + part * half + j;
        const to = h * headDim + 2 * j + part;
        out.set(values.subarray(from * cols, (from + 1) * cols), to * cols);
      }
    }
  }
  return out;
}

function transpose2d(values: Float32Array, shape: readonly number[]): Float32Array {
  const [rows, cols] = shape as [number, number];
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

const LLAMA_LAYER: [string, string][] = [
  ['input_layernorm.weight', 'attn_norm.weight'],
  ['self_attn.q_proj.weight', 'attn_q.weight'],
  ['self_attn.k_proj.weight', 'attn_k.weight'],
  ['self_attn.v_proj.weight', 'attn_v.weight'],
  ['self_attn.o_proj.weight', 'attn_output.weight'],
  ['self_attn.q_proj.bias', 'attn_q.bias'],
  ['self_attn.k_proj.bias', 'attn_k.bias'],
  ['self_attn.v_proj.bias', 'attn_v.bias'],
  ['post_attention_layernorm.weight', 'ffn_norm.weight'],
  ['mlp.gate_proj.weight', 'ffn_gate.weight'],
  ['mlp.up_proj.weight', 'ffn_up.weight'],
  ['mlp.down_proj.weight', 'ffn_down.weight'],
];

const GPT2_LAYER: [string, string, boolean][] = [
  ['ln_1.weight', 'attn_norm.weight', false], ['ln_1.bias', 'attn_norm.bias', false],
  ['attn.c_attn.weight', 'attn_qkv.weight', true], ['attn.c_attn.bias', 'attn_qkv.bias', false],
  ['attn.c_proj.weight', 'attn_output.weight', true], ['attn.c_proj.bias', 'attn_output.bias', false],
  ['ln_2.weight', 'ffn_norm.weight', false], ['ln_2.bias', 'ffn_norm.bias', false],
  ['mlp.c_fc.weight', 'ffn_up.weight', true], ['mlp.c_fc.bias', 'ffn_up.bias', false],
  ['mlp.c_proj.weight', 'ffn_down.weight', true], ['mlp.c_proj.bias', 'ffn_down.bias', false],
];

/** The mapping for a model; `shapes` are its HF tensor shapes (only tensors it has are mapped). */
export function architectureMapping(config: HfModelConfig, shapes: ReadonlyMap<string, readonly number[]>, name: string): ArchitectureMapping {
  const general: [string, GgufValue][] = [['general.type', str('model')], ['general.name', str(name)]];
  const has = (hf: string) => shapes.has(hf);
  const tensor = (gguf: string, hf: string, transform?: MappedTensor['transform']): MappedTensor => ({ gguf, hf, shape: [...shapes.get(hf)!], ...(transform ? { transform } : {}) });
  if (config.modelType === 'llama' || config.modelType === 'mistral' || config.modelType === 'qwen2') {
    const arch = config.modelType === 'qwen2' ? 'qwen2' : 'llama';
    if (config.rope.scaling) {
      throw new TunaInputError(`config.json: rope scaling "${config.rope.scaling.type}" is not exported to GGUF yet; models with plain RoPE are`);
    }
    const p = (key: string) => `${arch}.${key}`;
    const metadata: [string, GgufValue][] = [
      ['general.architecture', str(arch)], ...general,
      [p('block_count'), u32(config.numHiddenLayers)],
      [p('context_length'), u32(config.maxPositionEmbeddings)],
      [p('embedding_length'), u32(config.hiddenSize)],
      [p('feed_forward_length'), u32(config.intermediateSize)],
      [p('attention.head_count'), u32(config.numAttentionHeads)],
      [p('attention.head_count_kv'), u32(config.numKeyValueHeads)],
      [p('rope.freq_base'), f32(config.rope.theta)],
      [p('attention.layer_norm_rms_epsilon'), f32(config.rmsNormEps)],
      [p('rope.dimension_count'), u32(config.headDim)],
      ...(config.headDim * config.numAttentionHeads !== config.hiddenSize
        ? [[p('attention.key_length'), u32(config.headDim)], [p('attention.value_length'), u32(config.headDim)]] as [string, GgufValue][]
        : []),
      [p('vocab_size'), u32(config.vocabSize)],
    ];
    const permute = (heads: number) => (arch === 'llama' ? (v: Float32Array, s: readonly number[]) => permuteRotaryRows(v, s, heads) : undefined);
    const tensors: MappedTensor[] = [tensor('token_embd.weight', 'model.embed_tokens.weight')];
    for (let i = 0; i < config.numHiddenLayers; i++) {
      for (const [hf, gguf] of LLAMA_LAYER) {
        const source = `model.layers.${i}.${hf}`;
        if (!has(source)) continue;
        const heads = hf.startsWith('self_attn.q_proj') ? config.numAttentionHeads : hf.startsWith('self_attn.k_proj') ? config.numKeyValueHeads : 0;
        tensors.push(tensor(`blk.${i}.${gguf}`, source, heads > 0 ? permute(heads) : undefined));
      }
    }
    tensors.push(tensor('output_norm.weight', 'model.norm.weight'));
    // A tied head is not written: llama.cpp uses token_embd when output.weight is absent.
    if (has('lm_head.weight')) tensors.push(tensor('output.weight', 'lm_head.weight'));
    return { arch, metadata, tensors };
  }
  if (config.modelType === 'gpt2') {
    const metadata: [string, GgufValue][] = [
      ['general.architecture', str('gpt2')], ...general,
      ['gpt2.block_count', u32(config.numHiddenLayers)],
      ['gpt2.context_length', u32(config.maxPositionEmbeddings)],
      ['gpt2.embedding_length', u32(config.hiddenSize)],
      ['gpt2.feed_forward_length', u32(config.intermediateSize)],
      ['gpt2.attention.head_count', u32(config.numAttentionHeads)],
      ['gpt2.attention.layer_norm_epsilon', f32(config.layerNormEps)],
    ];
    const tensors: MappedTensor[] = [tensor('token_embd.weight', 'transformer.wte.weight'), tensor('position_embd.weight', 'transformer.wpe.weight')];
    for (let i = 0; i < config.numHiddenLayers; i++) {
      for (const [hf, gguf, conv1d] of GPT2_LAYER) {
        const source = `transformer.h.${i}.${hf}`;
        if (!has(source)) continue;
        const t = tensor(`blk.${i}.${gguf}`, source);
        if (conv1d) {
          // Conv1D weights are (in, out); llama.cpp wants torch.nn.Linear's (out, in).
          const stored = t.shape;
          t.transform = (values) => transpose2d(values, stored);
          t.shape = [stored[1]!, stored[0]!];
        }
        tensors.push(t);
      }
    }
    tensors.push(tensor('output_norm.weight', 'transformer.ln_f.weight'), tensor('output_norm.bias', 'transformer.ln_f.bias'));
    tensors.push(tensor('output.weight', 'transformer.wte.weight'));
    return { arch: 'gpt2', metadata, tensors };
  }
  throw new TunaInputError(`model_type "${config.modelType}" is not exported to GGUF yet; Llama, Mistral, Qwen2 and GPT-2 models are`);
}
