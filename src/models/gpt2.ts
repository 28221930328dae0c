// GPT-2 (transformers' modeling_gpt2.py): learned positions, LayerNorm, fused c_attn, Conv1D
// weights stored (in, out), tanh GELU ("gelu_new"), head tied to the token embeddings.
import { gelu, layerNorm } from '../graph/composite.js';
import type { Shape } from '../graph/shape.js';
import type { Gpt2Config } from '../io/hf-config.js';
import { mergeHeads, splitHeads } from '../nn/attention.js';
import { cachedAttention, lastPosition } from './blocks.js';
import type { Architecture, ForwardInputs, ForwardOptions, ForwardOutputs, LayerContext } from './types.js';

const CONV1D = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as const;

function parameters(c: Gpt2Config): Map<string, Shape> {
  const C = c.hiddenSize;
  const F = c.intermediateSize;
  const p = new Map<string, Shape>([
    ['transformer.wte.weight', [c.vocabSize, C]],
    ['transformer.wpe.weight', [c.maxPositionEmbeddings, C]],
  ]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = `transformer.h.${i}`;
    const conv: Record<string, [number, number]> = {
      'attn.c_attn': [C, 3 * C], 'attn.c_proj': [C, C], 'mlp.c_fc': [C, F], 'mlp.c_proj': [F, C],
    };
    p.set(`${l}.ln_1.weight`, [C]).set(`${l}.ln_1.bias`, [C]);
    for (const name of ['attn.c_attn', 'attn.c_proj']) p.set(`${l}.${name}.weight`, conv[name]!).set(`${l}.${name}.bias`, [conv[name]![1]]);
    p.set(`${l}.ln_2.weight`, [C]).set(`${l}.ln_2.bias`, [C]);
    for (const name of ['mlp.c_fc', 'mlp.c_proj']) p.set(`${l}.${name}.weight`, conv[name]!).set(`${l}.${name}.bias`, [conv[name]![1]]);
  }
  p.set('transformer.ln_f.weight', [C]).set('transformer.ln_f.bias', [C]);
  return p;
}

function forward(ctx: LayerContext, c: Gpt2Config, inputs: ForwardInputs, options: ForwardOptions = {}): ForwardOutputs {
  const { g } = ctx;
  const eps = c.layerNormEps;
  const C = c.hiddenSize;
  const H = c.numAttentionHeads;
  const norm = (name: string, x: ReturnType<typeof g.add>) => layerNorm(g, x, ctx.param(`${name}.weight`), ctx.param(`${name}.bias`), eps);
  let x = g.add(
    ctx.embed('transformer.wte.weight', inputs.inputIds),
    g.gather(ctx.param('transformer.wpe.weight'), inputs.positionIds!),
  ); // (B, T, C)
  const present: ForwardOutputs['present'] = [];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const l = `transformer.h.${i}`;
    const [out, k, v] = ctx.block([x], ([x]) => {
      const qkv = ctx.linear(`${l}.attn.c_attn`, norm(`${l}.ln_1`, x!), 'conv1d'); // (B, T, 3C)
      const [q, k, v] = g.split(qkv, -1, [C, C, C]).map((t) => splitHeads(g, t, H));
      const attended = cachedAttention(g, q!, k!, v!, inputs.past[i] ?? null, inputs.mask, ctx.recompute);
      const mid = g.add(x!, ctx.linear(`${l}.attn.c_proj`, mergeHeads(g, attended), 'conv1d'));
      const [hidden] = ctx.recompute([ctx.linear(`${l}.mlp.c_fc`, norm(`${l}.ln_2`, mid), 'conv1d')], ([x]) => [gelu(g, x!, 'tanh')]);
      return [g.add(mid, ctx.linear(`${l}.mlp.c_proj`, hidden, 'conv1d')), k!, v!];
    });
    present.push({ k: k!, v: v! });
    x = out!;
  }
  x = norm('transformer.ln_f', lastPosition(g, x, options.lastOnly));
  return { logits: ctx.tiedHead('transformer.wte.weight', x), present };
}

export const gpt2: Architecture<Gpt2Config> = {
  modelTypes: ['gpt2'],
  parameters,
  rotaryDim: () => 0,
  kvHeads: (c) => c.numAttentionHeads,
  linearModules: (c) => Array.from({ length: c.numHiddenLayers }, (_, i) => CONV1D.map((m) => `transformer.h.${i}.${m}`)).flat(),
  defaultLoraTargets: ['c_attn'],
  lookupOnlyEmbedding: () => null, // wte is also the output head
  outputHead: () => ({ weight: 'transformer.wte.weight', module: 'lm_head', tied: true }),
  conv1dModules: CONV1D,
  forward,
};
