// Random-weight models of published shapes for benchmarks (no download): SmolLM2-135M and
// TinyLlama-1.1B. Weights are seeded uniform values of a realistic scale.
import type { Int8Tensor } from '../src/adapters/int8/int8-tensor.js';
import { quantizeInt8 } from '../src/adapters/int8/quantize-int8.js';
import type { Nf4Tensor } from '../src/adapters/nf4/nf4-tensor.js';
import { quantizeNf4 } from '../src/adapters/nf4/quantize-nf4.js';
import { parseHfConfig } from '../src/io/hf-config.js';
import { CausalLM } from '../src/models/model.js';

export const SHAPES = {
  smollm2_135m: {
    model_type: 'llama', hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9,
    num_key_value_heads: 3, vocab_size: 49152, tie_word_embeddings: true, rope_theta: 10000, rms_norm_eps: 1e-5,
    max_position_embeddings: 2048, bos_token_id: 1, eos_token_id: 2,
  },
  tinyllama_1_1b: {
    model_type: 'llama', hidden_size: 2048, intermediate_size: 5632, num_hidden_layers: 22, num_attention_heads: 32,
    num_key_value_heads: 4, vocab_size: 32000, tie_word_embeddings: false, rope_theta: 10000, rms_norm_eps: 1e-5,
    max_position_embeddings: 2048, bos_token_id: 1, eos_token_id: 2,
  },
} as const;

export type ShapeName = keyof typeof SHAPES;

/**
 * With `quantize` (true or 'nf4': 4-bit NF4, 'int8': int8 codes per output feature), linear
 * weights are quantized one by one as they are made, as QLoRA loading does.
 */
export function randomModel(name: ShapeName, overrides: Record<string, unknown> = {}, seed = 1, quantize: boolean | 'nf4' | 'int8' = false): CausalLM {
  const config = parseHfConfig({ ...SHAPES[name], ...overrides }, `${name} (benchmark shape)`);
  const probe = CausalLM.fromWeights(`bench:${name}`, config, new Map());
  const linear = new Set(probe.arch.linearModules(config).map((m) => `${m}.weight`));
  const weights = new Map<string, Float32Array>();
  const quantized = new Map<string, Nf4Tensor>();
  const int8 = new Map<string, Int8Tensor>();
  let s = seed >>> 0;
  for (const [key, shape] of probe.shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (key.endsWith('norm.weight')) data.fill(1);
    else {
      const scale = 0.04;
      for (let i = 0; i < n; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        data[i] = (s / 2 ** 32 - 0.5) * scale;
      }
    }
    if (quantize === 'int8' && linear.has(key)) int8.set(key, quantizeInt8(data, shape, 'linear'));
    else if (quantize && linear.has(key)) quantized.set(key, quantizeNf4(data, shape));
    else weights.set(key, data);
  }
  const model = CausalLM.fromWeights(`bench:${name}`, config, weights, quantized, int8);
  // As quantizeLinearInt8 does: the output head's forward product in int8 too.
  if (quantize === 'int8') model.quantizeHeadInt8();
  return model;
}

export function parameterCount(model: CausalLM): number {
  let n = 0;
  for (const s of model.shapes.values()) n += s.reduce((a, b) => a * b, 1);
  return n;
}

export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
