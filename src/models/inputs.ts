// Host-side tensors for a forward pass: positions, rotary tables and the additive attention mask,
// from padded token ids and a 0/1 attention mask (transformers' conventions).
import { inverseFrequencies, ropeTables, type RopeScaling } from '../nn/rope.js';

export const MASKED = -1e9;

export interface BatchLayout {
  /** (B, T) token ids, padded. */
  ids: number[][];
  /** (B, P + T) 1 for real tokens, 0 for padding, covering cached tokens first; all ones when omitted. */
  attentionMask?: number[][];
  /** Tokens already in the KV cache (P). */
  pastLength?: number;
  /** Packed rows: explicit positions (restarting per example) and segment ids; a token attends only within its segment. */
  positions?: number[][];
  segments?: number[][];
}

export interface HostInputs {
  inputIds: BigInt64Array;
  positionIds: BigInt64Array;
  positions: number[][];
  /** (B, T, P + T) */
  mask: Float32Array;
}

/**
 * Positions count real tokens only (cumsum(mask) - 1, as transformers' generate does), so left
 * padding does not shift them; a query sees every real key at or before its own position.
 */
export function layoutInputs(batch: BatchLayout): HostInputs {
  const b = batch.ids.length;
  const t = batch.ids[0]?.length ?? 0;
  const p = batch.pastLength ?? 0;
  const s = p + t;
  const attention = batch.attentionMask ?? batch.ids.map(() => new Array<number>(s).fill(1));
  const inputIds = new BigInt64Array(b * t);
  const positionIds = new BigInt64Array(b * t);
  const mask = new Float32Array(b * t * s).fill(MASKED);
  const positions: number[][] = [];
  for (let r = 0; r < b; r++) {
    const row = attention[r]!;
    if (row.length !== s || batch.ids[r]!.length !== t) {
      throw new Error(`batch row ${r}: ${batch.ids[r]!.length} ids and ${row.length} mask entries, expected ${t} and ${s}`);
    }
    let count = 0;
    let rowPositions: number[] = [];
    for (let j = 0; j < s; j++) {
      count += row[j]!;
      if (j >= p) rowPositions.push(row[j] ? count - 1 : 1); // padding gets position 1, as transformers does
    }
    if (batch.positions) rowPositions = batch.positions[r]!;
    const segment = batch.segments?.[r];
    positions.push(rowPositions);
    for (let i = 0; i < t; i++) {
      const id = batch.ids[r]![i]!;
      if (!Number.isInteger(id) || id < 0) throw new Error(`batch row ${r}, position ${i}: token id ${id} is not a non-negative integer`);
      inputIds[r * t + i] = BigInt(id);
      positionIds[r * t + i] = BigInt(rowPositions[i]!);
      for (let j = 0; j <= p + i; j++) {
        if (row[j] && (!segment || segment[j] === segment[p + i])) mask[(r * t + i) * s + j] = 0;
      }
    }
  }
  return { inputIds, positionIds, positions, mask };
}

export interface RopeSpec {
  rotaryDim: number;
  theta: number;
  scaling: RopeScaling | null;
  maxPositionEmbeddings: number;
}

/** (B*T, R/2) cos and sin tables for the batch's positions, row b*T + t for token t of row b. */
export function ropeInputs(spec: RopeSpec, positions: number[][]): { cos: Float32Array; sin: Float32Array } {
  const maxPos = Math.max(0, ...positions.flat()) + 1;
  const inv = inverseFrequencies(spec.rotaryDim, spec.theta, spec.scaling, { seqLen: maxPos, maxPositionEmbeddings: spec.maxPositionEmbeddings });
  return ropeTables(positions.flat(), inv);
}
