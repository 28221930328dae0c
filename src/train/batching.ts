// Length-grouped batches (transformers' group_by_length): examples are shuffled with a seed per
// epoch, cut into chunks of 32 batches, sorted by length within each chunk (longest first, so a
// run that does not fit in memory fails at once) and cut into batches. Padding stays small, and
// batches of one padded length follow each other: each length is a compiled graph, and a trainer
// that keeps few of them in memory switches graphs a few times per chunk. Padded lengths come from
// a short list so few graphs are compiled.
import { mulberry32 } from '../testing/random.js';

export interface TrainExample {
  inputIds: number[];
  /** Same length as inputIds; -100 where no loss is taken. */
  labels: number[];
  /** Packed rows (several examples in one sequence): positions restart and attention stays within a segment. */
  positionIds?: number[];
  segmentIds?: number[];
}

export interface Batch {
  /** Indices into the example list; -1 marks a filler row that carries no loss. */
  rows: number[];
  /** Padded length. */
  length: number;
}

const BUCKETS = [16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192];

export function bucketLength(n: number): number {
  return BUCKETS.find((b) => b >= n) ?? Math.ceil(n / 1024) * 1024;
}

export function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The batches of one epoch; every batch has `batchSize` rows (the last is filled with -1). */
export function planEpoch(lengths: number[], batchSize: number, seed: number, epoch: number): Batch[] {
  const order = shuffled(lengths.map((_, i) => i), seed * 1000003 + epoch);
  const chunk = batchSize * 32;
  const batches: Batch[] = [];
  for (let start = 0; start < order.length; start += chunk) {
    const part = order.slice(start, start + chunk).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
    for (let i = 0; i < part.length; i += batchSize) {
      const rows = part.slice(i, i + batchSize);
      const longest = Math.max(...rows.map((r) => lengths[r]!));
      while (rows.length < batchSize) rows.push(-1);
      batches.push({ rows, length: bucketLength(longest) });
    }
  }
  return batches;
}

/**
 * Padded ids, the 0/1 attention mask and next-token targets of a batch: targets[t] is
 * labels[t + 1] (the loss of predicting the next token), -100 on padding and the last position.
 */
export function collate(examples: TrainExample[], batch: Batch, padId: number) {
  const t = batch.length;
  const ids: number[][] = [];
  const mask: number[][] = [];
  const targets = new BigInt64Array(batch.rows.length * t).fill(-100n);
  const packed = batch.rows.some((r) => r >= 0 && examples[r]!.segmentIds);
  const positions: number[][] = [];
  const segments: number[][] = [];
  let tokens = 0;
  batch.rows.forEach((r, b) => {
    const ex: TrainExample = r >= 0 ? examples[r]! : { inputIds: [], labels: [] };
    const n = ex.inputIds.length;
    ids.push([...ex.inputIds, ...new Array<number>(t - n).fill(padId)]);
    mask.push([...new Array<number>(n).fill(1), ...new Array<number>(t - n).fill(0)]);
    if (packed) {
      const pos = ex.positionIds ?? ex.inputIds.map((_, i) => i);
      const seg = ex.segmentIds ?? ex.inputIds.map(() => 1);
      positions.push([...pos, ...new Array<number>(t - n).fill(1)]);
      segments.push([...seg, ...new Array<number>(t - n).fill(0)]);
    }
    for (let i = 0; i + 1 < n; i++) {
      const label = ex.labels[i + 1]!;
      // In a packed row the next token of the last token of an example belongs to the next example.
      if (label !== -100 && (!ex.segmentIds || ex.segmentIds[i] === ex.segmentIds[i + 1])) {
        targets[b * t + i] = BigInt(label);
        tokens++;
      }
    }
  });
  return { ids, mask, targets, tokens, ...(packed && { positions, segments }) };
}
