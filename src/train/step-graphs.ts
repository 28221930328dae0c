// The graph a training step runs per micro-batch: forward, loss, and gradients added into
// accumulators. Trainable tensors, gradients and optimizer moments stay resident in the worker;
// the AdamW update runs there in place (Runtime.adamw), outside any session.
import { gradients } from '../autodiff/grad.js';
import { crossEntropy } from '../graph/composite.js';
import type { Graph } from '../graph/graph.js';
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
  options: { hook?: LinearHook; accumulate: boolean; forwardOnly?: boolean },
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
  trainables.forEach((t, i) => {
    const grad = grads[i]!;
    outputs[`acc_out.${t.name}`] = options.accumulate ? g.add(g.input(accName(t.name), t.shape), grad) : grad;
  });
  return { graph: g, outputs };
}
