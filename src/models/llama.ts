// Llama, Mistral and Qwen2 (transformers' modeling_llama.py and its copies): RMSNorm, rotary
// position embeddings (rotate_half), grouped-query attention, SwiGLU MLP, tied or untied head.
import { rmsNorm, silu } from '../graph/composite.js';
import type { Shape } from '../graph/shape.js';
import type { LlamaConfig, MistralConfig, Qwen2Config } from '../io/hf-config.js';
import { mergeHeads, splitHeads } from '../nn/attention.js';
import { cachedAttention, lastPosition } from './blocks.js';
import type { Architecture, ForwardInputs, ForwardOptions, ForwardOutputs, LayerContext } from './types.js';

type Config = LlamaConfig | MistralConfig | Qwen2Config;

const ATTENTION = ['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const;
const MLP = ['gate_proj', 'up_proj', 'down_proj'] as const;

function parameters(c: Config): Map<string, Shape> {
  const C = c.hiddenSize;
  const qDim = c.numAttentionHeads * c.headDim;
  const kvDim = c.numKeyValueHeads * c.headDim;
  const F = c.intermediateSize;
  const p = new Map<string, Shape>([['model.embed_tokens.weight', [c.vocabSize, C]]]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = `model.layers.${i}`;
    p.set(`${l}.input_layernorm.weight`, [C]);
    const out = { q_proj: qDim, k_proj: kvDim, v_proj: kvDim };
    for (const [name, dim] of Object.entries(out)) {
      p.set(`${l}.self_attn.${name}.weight`, [dim, C]);
      if (c.attentionQkvBias) p.set(`${l}.self_attn.${name}.bias`, [dim]);
    }
    p.set(`${l}.self_attn.o_proj.weight`, [C, qDim]);
    if (c.attentionOutputBias) p.set(`${l}.self_attn.o_proj.bias`, [C]);
    p.set(`${l}.post_attention_layernorm.weight`, [C]);
    p.set(`${l}.mlp.gate_proj.weight`, [F, C]);
    p.set(`${l}.mlp.up_proj.weight`, [F, C]);
    p.set(`${l}.mlp.down_proj.weight`, [C, F]);
    if (c.mlpBias) {
      p.set(`${l}.mlp.gate_proj.bias`, [F]);
      p.set(`${l}.mlp.up_proj.bias`, [F]);
      p.set(`${l}.mlp.down_proj.bias`, [C]);
    }
  }
  p.set('model.norm.weight', [C]);
  if (!c.tieWordEmbeddings) p.set('lm_head.weight', [c.vocabSize, C]);
  return p;
}

function forward(ctx: LayerContext, c: Config, inputs: ForwardInputs, options: ForwardOptions = {}): ForwardOutputs {
  const { g } = ctx;
  const eps = c.rmsNormEps;
  let x = ctx.embed('model.embed_tokens.weight', inputs.inputIds); // (B, T, C)
  const present: ForwardOutputs['present'] = [];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = `model.layers.${i}`;
    const [out, k, v] = ctx.block([x], ([x]) => {
      const h = rmsNorm(g, x!, ctx.param(`${l}.input_layernorm.weight`), eps);
      const q = g.rotary(splitHeads(g, ctx.linear(`${l}.self_attn.q_proj`, h), c.numAttentionHeads), inputs.ropeCos!, inputs.ropeSin!);
      const k = g.rotary(splitHeads(g, ctx.linear(`${l}.self_attn.k_proj`, h), c.numKeyValueHeads), inputs.ropeCos!, inputs.ropeSin!);
      const v = splitHeads(g, ctx.linear(`${l}.self_attn.v_proj`, h), c.numKeyValueHeads);
      const attended = cachedAttention(g, q, k, v, inputs.past[i] ?? null, inputs.mask, ctx.recompute); // (B, H, T, D)
      const mid = g.add(x!, ctx.linear(`${l}.self_attn.o_proj`, mergeHeads(g, attended)));
      const m = rmsNorm(g, mid, ctx.param(`${l}.post_attention_layernorm.weight`), eps);
      const [gate] = ctx.recompute([ctx.linear(`${l}.mlp.gate_proj`, m)], ([x]) => [silu(g, x!)]);
      return [g.add(mid, ctx.linear(`${l}.mlp.down_proj`, g.mul(gate, ctx.linear(`${l}.mlp.up_proj`, m)))), k, v];
    });
    present.push({ k: k!, v: v! });
    x = out!;
  }
  x = rmsNorm(g, lastPosition(g, x, options.lastOnly), ctx.param('model.norm.weight'), eps);
  const logits = c.tieWordEmbeddings
    ? ctx.tiedHead('model.embed_tokens.weight', x)
    : ctx.linear('lm_head', x);
  return { logits, present };
}

function linearModules(c: Config): string[] {
  const out: string[] = [];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    for (const name of ATTENTION) out.push(`model.layers.${i}.self_attn.${name}`);
    for (const name of MLP) out.push(`model.layers.${i}.mlp.${name}`);
  }
  return out;
}

export const llama: Architecture<Config> = {
  modelTypes: ['llama', 'mistral', 'qwen2'],
  parameters,
  rotaryDim: (c) => c.headDim,
  kvHeads: (c) => c.numKeyValueHeads,
  linearModules,
  defaultLoraTargets: ['q_proj', 'v_proj'],
  lookupOnlyEmbedding: (c) => (c.tieWordEmbeddings ? null : 'model.embed_tokens.weight'),
  outputHead: (c) => ({ weight: c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight', module: 'lm_head', tied: c.tieWordEmbeddings }),
  forward,
};

