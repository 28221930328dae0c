// The graphs a training step runs: a micro-batch graph (forward, loss, gradients added into
// accumulators) and an update graph (global-norm clipping and AdamW). Trainable tensors,
// optimizer moments and accumulators stay resident in the worker between runs.
import { gradients } from '../autodiff/grad.js';
import { crossEntropy } from '../graph/composite.js';
import { Graph } from '../graph/graph.js';
import type { Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import type { LinearHook } from '../models/context.js';
import type { CausalLM } from '../models/model.js';

export interface Trainable {
  /** Graph input name (a checkpoint key, or `<module>.lora_A.weight`). */
  name: string;
  shape: Shape;
  /** AdamW weight decay applies (not to norms and biases by default). */
  decay: boolean;
}

export const accName = (name: string) => `acc.${name}`;
export const momentName = (name: string, which: 'm' | 'v') => `adam_${which}.${name}`;

export interface MicroStepGraph {
  graph: Graph;
  outputs: Record<string, Tensor>;
}

/**
 * Forward and backward of one micro-batch: `loss_sum` (summed token cross-entropy), `token_count`,
 * and for each trainable `acc_out.<name>` = previous accumulator (when `accumulate`) + d(loss_sum * scale)/dp,
 * where `scale` is 1 / (target tokens in the whole optimizer step): accumulation normalises by tokens.
 * With `forwardOnly` it computes the loss alone (evaluation).
 */
export function buildMicroStep(
  model: CausalLM,
  shape: { batch: number; length: number },
  trainables: Trainable[],
  options: { hook?: LinearHook; accumulate: boolean; forwardOnly?: boolean; update?: AdamWSettings },
): MicroStepGraph {
  const { g, ctx, logits } = model.buildForward({ ...shape, pastLength: 0, lastOnly: false }, options.hook);
  const n = shape.batch * shape.length;
  const targets = g.input('targets', [n], 'int64');
  const ce = crossEntropy(g, g.reshape(logits, [n, model.vocabSize]), targets);
  const outputs: Record<string, Tensor> = { loss_sum: ce.sum, token_count: ce.count };
  if (options.forwardOnly) return { graph: g, outputs };
  const scale = g.input('loss_scale', []);
  const params = trainables.map((t) => {
    const existing = g.inputs.find((i) => i.name === t.name) ?? ctx.params.get(t.name);
    if (!existing) throw new Error(`trainable "${t.name}" is not used by the forward pass`);
    return existing;
  });
  const grads = gradients(g, g.mul(ce.sum, scale), params);
  // Without accumulation the optimizer step joins the same graph: no gradient leaves the session.
  if (options.update) return { graph: g, outputs: { ...outputs, ...appendAdamW(g, trainables, params, grads, options.update) } };
  trainables.forEach((t, i) => {
    const grad = grads[i]!;
    outputs[`acc_out.${t.name}`] = options.accumulate ? g.add(g.input(accName(t.name), t.shape), grad) : grad;
  });
  return { graph: g, outputs };
}

export interface AdamWSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * A graph of its own for the update after accumulated micro-batches:
 * torch.optim.AdamW on every trainable after clipping the accumulated gradients to a global norm:
 * p <- p (1 - lr wd); m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
 * p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * Inputs `lr`, `bias_correction1`, `bias_correction2` (= 1 - beta^t) and `max_grad_norm` change per step.
 */
export function buildUpdate(trainables: Trainable[], adam: AdamWSettings): MicroStepGraph {
  const g = new Graph();
  const grads = trainables.map((t) => g.input(accName(t.name), t.shape));
  const params = trainables.map((t) => g.input(t.name, t.shape));
  return { graph: g, outputs: appendAdamW(g, trainables, params, grads, adam) };
}

/**
 * Adds the clipped AdamW update of `params` by `grads` to a graph: outputs `grad_norm` and, per
 * trainable, `new.<name>` and the new moments. Reads inputs `lr`, `bias_correction1/2`, `max_grad_norm`
 * and the moments `adam_m.<name>` / `adam_v.<name>`.
 */
export function appendAdamW(g: Graph, trainables: Trainable[], params: Tensor[], grads: Tensor[], adam: AdamWSettings): Record<string, Tensor> {
  const lr = g.input('lr', []);
  const bc1 = g.input('bias_correction1', []);
  const bc2 = g.input('bias_correction2', []);
  const maxNorm = g.input('max_grad_norm', []);
  // Scalars are folded first so each tensor sees few passes: clip and (1 - beta) join one factor.
  const squares = grads.map((a) => g.mul(a, a));
  let sumSq: Tensor = g.scalar(0);
  for (const sq of squares) sumSq = g.add(sumSq, g.reduceSum(sq, sq.shape.map((_, i) => i)));
  const norm = g.sqrt(sumSq);
  const clip = g.min(g.scalar(1), g.div(maxNorm, g.add(norm, g.scalar(1e-6))));
  const outputs: Record<string, Tensor> = { grad_norm: norm };
  const one = g.scalar(1);
  const stepSize = g.div(lr, bc1);
  const invSqrtBc2 = g.reciprocal(g.sqrt(bc2));
  const firstFactor = g.mul(clip, g.scalar(1 - adam.beta1));
  const secondFactor = g.mul(g.mul(clip, clip), g.scalar(1 - adam.beta2));
  trainables.forEach((t, i) => {
    const p = params[i]!;
    const m = g.input(momentName(t.name, 'm'), t.shape);
    const v = g.input(momentName(t.name, 'v'), t.shape);
    const m2 = g.add(g.mul(m, g.scalar(adam.beta1)), g.mul(grads[i]!, firstFactor));
    const v2 = g.add(g.mul(v, g.scalar(adam.beta2)), g.mul(squares[i]!, secondFactor));
    const decayed = t.decay && adam.weightDecay > 0 ? g.mul(p, g.sub(one, g.mul(lr, g.scalar(adam.weightDecay)))) : p;
    const denom = g.add(g.mul(g.sqrt(v2), invSqrtBc2), g.scalar(adam.eps));
    outputs[`new.${t.name}`] = g.sub(decayed, g.mul(g.div(m2, denom), stepSize));
    outputs[`new.${momentName(t.name, 'm')}`] = m2;
    outputs[`new.${momentName(t.name, 'v')}`] = v2;
  });
  return outputs;
}
