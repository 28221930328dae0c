// Rotary position embeddings in transformers' convention: the rotated pairs are (i, i + D/2)
// ("rotate_half"), cos/sin tables are computed on the host in float64 then stored as float32.

export type RopeScaling =
  | { type: 'linear'; factor: number }
  | { type: 'dynamic'; factor: number; originalMaxPositionEmbeddings: number | null }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number };

/**
 * Inverse frequencies for `rotaryDim` rotated dimensions (transformers' rope init functions).
 * `seqLen` matters only for dynamic NTK scaling, which grows the base past the original length.
 */
export function inverseFrequencies(
  rotaryDim: number,
  theta: number,
  scaling: RopeScaling | null = null,
  options: { seqLen?: number; maxPositionEmbeddings?: number } = {},
): Float64Array {
  const half = rotaryDim / 2;
  let base = theta;
  if (scaling?.type === 'dynamic') {
    const original = scaling.originalMaxPositionEmbeddings ?? options.maxPositionEmbeddings ?? Infinity;
    const seqLen = options.seqLen ?? 0;
    if (seqLen > original) {
      base = theta * ((scaling.factor * seqLen) / original - (scaling.factor - 1)) ** (rotaryDim / (rotaryDim - 2));
    }
  }
  const inv = new Float64Array(half);
  // transformers builds inv_freq in float32: 1 / base ** (arange(0, dim, 2).float() / dim)
  for (let i = 0; i < half; i++) inv[i] = Math.fround(1 / base ** Math.fround((2 * i) / rotaryDim));
  if (scaling?.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i]! /= scaling.factor;
  } else if (scaling?.type === 'llama3') {
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
 * cos and sin tables of shape (positions.length, rotaryDim / 2): entry (p, j) is the angle of
 * frequency j at position p, shared by the pair (j, j + rotaryDim / 2) (transformers'
 * `emb = cat(freqs, freqs)` holds each twice).
 */
export function ropeTables(positions: ArrayLike<number>, invFreq: Float64Array, attentionScaling = 1): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const cos = new Float32Array(positions.length * half);
  const sin = new Float32Array(positions.length * half);
  for (let p = 0; p < positions.length; p++) {
    for (let j = 0; j < half; j++) {
      // transformers computes the angle in float32: inv_freq (float32) times the position.
      const angle = Math.fround(Math.fround(invFreq[j]!) * positions[p]!);
      cos[p * half + j] = Math.cos(angle) * attentionScaling;
      sin[p * half + j] = Math.sin(angle) * attentionScaling;
    }
  }
  return { cos, sin };
}
