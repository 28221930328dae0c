// A frozen linear weight held as int8 codes with one float32 scale per output feature (symmetric,
// scale = max |w| / 127 over the feature's weights), for Int8MatMul.
import type { Shape } from '../../graph/shape.js';

export interface Int8Tensor {
  /** (in, out), row-major: laid out for the forward product x · Wᵀ, whatever the checkpoint's layout. */
  readonly codes: Int8Array;
  /** (out) */
  readonly scales: Float32Array;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/** How a checkpoint stores a linear weight: torch.nn.Linear (out, in) or GPT-2's Conv1D (in, out). */
export type WeightLayout = 'linear' | 'conv1d';

/** (in, out) features of a weight of this shape and layout. */
export function weightFeatures(shape: Shape, layout: WeightLayout): [number, number] {
  const [rows, cols] = shape as [number, number];
  return layout === 'linear' ? [cols, rows] : [rows, cols];
}
