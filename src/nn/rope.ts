// Rotary position embeddings in transformers' convention: the rotated pairs are (i, i + D/2)
// ("rotate_half"), cos/sin tables are computed on the host in float64 then stored as float32.

export type RopeScaling =
  | { type: 'default' }
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number };

/** Inverse frequencies for `rotaryDim` rotated dimensions (transformers' rope init functions). */
export function inverseFrequencies(rotaryDim: number, theta: number, scaling: RopeScaling = { type: 'default' }): Float64Array {
  const half = rotaryDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / theta ** ((2 * i) / rotaryDim);
  if (scaling.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i]! /= scaling.factor;
  } else if (scaling.type === 'llama3') {
    const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: old } = scaling;
    const lowWavelen = old / lowFreqFactor;
    const highWavelen = old / highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i]!;
      if (wavelen > lowWavelen) {
        inv[i]! /= factor;
      } else if (wavelen >= highWavelen) {
        const smooth = (old / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        inv[i] = (1 - smooth) * (inv[i]! / factor) + smooth * inv[i]!;
      }
    }
  }
  return inv;
}

/**
 * cos and sin tables of shape (positions.length, rotaryDim): entry (p, j) uses frequency j mod D/2,
 * matching transformers' `emb = cat(freqs, freqs)`.
 */
export function ropeTables(positions: ArrayLike<number>, invFreq: Float64Array, attentionScaling = 1): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const dim = 2 * half;
  const cos = new Float32Array(positions.length * dim);
  const sin = new Float32Array(positions.length * dim);
  for (let p = 0; p < positions.length; p++) {
    for (let j = 0; j < half; j++) {
      // transformers computes the angle in float32: inv_freq (float32) times the position.
      const angle = Math.fround(Math.fround(invFreq[j]!) * positions[p]!);
      const c = Math.cos(angle) * attentionScaling;
      const s = Math.sin(angle) * attentionScaling;
      cos[p * dim + j] = c;
      cos[p * dim + j + half] = c;
      sin[p * dim + j] = s;
      sin[p * dim + j + half] = s;
    }
  }
  return { cos, sin };
}
