// AdamW over float32 arrays in place, as torch.optim.AdamW computes it after
// torch.nn.utils.clip_grad_norm_. The session worker (and its helper thread) run these on resident
// tensors, so updated weights and moments are never copied out of a session. They are shipped to
// the threads as source text (Function.prototype.toString): each must not refer to anything
// outside its own body.

export interface AdamWArrays {
  param: Float32Array;
  m: Float32Array;
  v: Float32Array;
  grad: Float32Array;
  /** Decoupled weight decay applies to this tensor. */
  decay: boolean;
}

export interface AdamWSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based optimizer step, for bias correction. */
  step: number;
  /** Global L2 norm the gradients are clipped to first; 0 or Infinity leaves them as they are. */
  maxGradNorm: number;
}

/** Sum of squares of every gradient (the global norm is its square root). */
export function sumOfSquares(tensors: AdamWArrays[]): number {
  let sum = 0;
  for (const t of tensors) {
    const g = t.grad;
    let part = 0;
    for (let i = 0; i < g.length; i++) part += g[i]! * g[i]!;
    sum += part;
  }
  return sum;
}

/**
 * One step with gradients scaled by `clip` (torch: max/(norm + 1e-6), capped at 1), per element:
 * m <- b1 m + (1 - b1) c g; v <- b2 v + (1 - b2) (c g)^2;
 * p <- p (1 - lr wd) - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 */
export function adamwUpdate(tensors: AdamWArrays[], s: AdamWSettings, clip: number): void {
  const { beta1, beta2, eps } = s;
  // Scalars folded once: the clip factor joins (1 - beta); bias corrections become two factors.
  const first = (1 - beta1) * clip;
  const second = (1 - beta2) * clip * clip;
  const stepSize = s.lr / (1 - beta1 ** s.step);
  const invSqrtBc2 = 1 / Math.sqrt(1 - beta2 ** s.step);
  for (const t of tensors) {
    const { param: p, m, v, grad: g } = t;
    const keep = t.decay ? 1 - s.lr * s.weightDecay : 1;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const mi = beta1 * m[i]! + first * gi;
      const vi = beta2 * v[i]! + second * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i]! * keep - (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
    }
  }
}

/** torch.nn.utils.clip_grad_norm_'s factor for a global norm. */
export function clipFactor(norm: number, maxGradNorm: number): number {
  return maxGradNorm > 0 && Number.isFinite(maxGradNorm) ? Math.min(1, maxGradNorm / (norm + 1e-6)) : 1;
}
