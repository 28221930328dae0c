// GPT-NeoX / Pythia (transformers' modeling_gpt_neox.py): fused query_key_value laid out per head
// as [q, k, v], partial rotary on the first `rotaryDim` dims of each head, parallel residual
// x + attn(ln1(x)) + mlp(ln2(x)), exact GELU, untied embed_out.
import { gelu, layerNorm } from '../graph/composite.js';
import type { Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import type { GptNeoxConfig } from '../io/hf-config.js';
import { mergeHeads } from '../nn/attention.js';
import { cachedAttention, lastPosition } from './blocks.js';
import type { Architecture, ForwardInputs, ForwardOptions, ForwardOutputs, LayerContext } from './types.js';

const LINEAR = ['attention.query_key_value', 'attention.dense', 'mlp.dense_h_to_4h', 'mlp.dense_4h_to_h'] as const;

function parameters(c: GptNeoxConfig): Map<string, Shape> {
  const C = c.hiddenSize;
  const F = c.intermediateSize;
  const p = new Map<string, Shape>([['gpt_neox.embed_in.weight', [c.vocabSize, C]]]);
  const dims: Record<string, [number, number]> = {
    'attention.query_key_value': [3 * C, C], 'attention.dense': [C, C], 'mlp.dense_h_to_4h': [F, C], 'mlp.dense_4h_to_h': [C, F],
  };
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = `gpt_neox.layers.${i}`;
    p.set(`${l}.input_layernorm.weight`, [C]).set(`${l}.input_layernorm.bias`, [C]);
    p.set(`${l}.post_attention_layernorm.weight`, [C]).set(`${l}.post_attention_layernorm.bias`, [C]);
    for (const name of LINEAR) {
      p.set(`${l}.${name}.weight`, dims[name]!);
      if (c.attentionBias || name.startsWith('mlp')) p.set(`${l}.${name}.bias`, [dims[name]![0]]);
    }
  }
  p.set('gpt_neox.final_layer_norm.weight', [C]).set('gpt_neox.final_layer_norm.bias', [C]);
  p.set('embed_out.weight', [c.vocabSize, C]);
  return p;
}

function forward(ctx: LayerContext, c: GptNeoxConfig, inputs: ForwardInputs, options: ForwardOptions = {}): ForwardOutputs {
  const { g } = ctx;
  const H = c.numAttentionHeads;
  const D = c.headDim;
  const norm = (name: string, x: Tensor) => layerNorm(g, x, ctx.param(`${name}.weight`), ctx.param(`${name}.bias`), c.layerNormEps);
  let x = ctx.embed('gpt_neox.embed_in.weight', inputs.inputIds); // (B, T, C)
  const [b, t] = x.shape as [number, number];
  const present: ForwardOutputs['present'] = [];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = `gpt_neox.layers.${i}`;
    const [out, k, v] = ctx.block([x], ([x]) => {
      const qkv = ctx.linear(`${l}.attention.query_key_value`, norm(`${l}.input_layernorm`, x!)); // (B, T, 3C)
      const heads = g.transpose(g.reshape(qkv, [b, t, H, 3 * D]), [0, 2, 1, 3]); // (B, H, T, 3D)
      const [q0, k0, v] = g.split(heads, -1, [D, D, D]);
      const q = g.rotary(q0!, inputs.ropeCos!, inputs.ropeSin!);
      const k = g.rotary(k0!, inputs.ropeCos!, inputs.ropeSin!);
      const attended = cachedAttention(g, q, k, v!, inputs.past[i] ?? null, inputs.mask, ctx.recompute);
      const attn = ctx.linear(`${l}.attention.dense`, mergeHeads(g, attended));
      const mlpIn = c.useParallelResidual ? x! : g.add(x!, attn);
      const [act] = ctx.recompute([ctx.linear(`${l}.mlp.dense_h_to_4h`, norm(`${l}.post_attention_layernorm`, mlpIn))], ([x]) => [gelu(g, x!)]);
      const mlp = ctx.linear(`${l}.mlp.dense_4h_to_h`, act!);
      return [c.useParallelResidual ? g.add(g.add(x!, attn), mlp) : g.add(mlpIn, mlp), k, v!];
    });
    present.push({ k: k!, v: v! });
    x = out!;
  }
  x = norm('gpt_neox.final_layer_norm', lastPosition(g, x, options.lastOnly));
  return { logits: ctx.linear('embed_out', x), present };
}

export const gptNeox: Architecture<GptNeoxConfig> = {
  modelTypes: ['gpt_neox'],
  parameters,
  rotaryDim: (c) => c.rotaryDim,
  kvHeads: (c) => c.numAttentionHeads,
  linearModules: (c) => Array.from({ length: c.numHiddenLayers }, (_, i) => LINEAR.map((m) => `gpt_neox.layers.${i}.${m}`)).flat(),
  defaultLoraTargets: ['query_key_value'],
  lookupOnlyEmbedding: () => 'gpt_neox.embed_in.weight',
  outputHead: () => ({ weight: 'embed_out.weight', module: 'embed_out', tied: false }),
  forward,
};
