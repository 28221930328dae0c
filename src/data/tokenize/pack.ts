import { TunaInputError } from '../../errors.js';
import { IGNORE_LABEL } from './segments.js';
import type { TokenizedExample } from './segments.js';

/**
 * Several examples in one sequence. The trainer builds a block-diagonal causal mask from
 * `segmentIds`: token i may attend to token j only if segmentIds[i] === segmentIds[j] and j <= i.
 */
export interface PackedRow {
  inputIds: number[];
  /** The members' labels, with the first label of each member set to IGNORE_LABEL (see packExamples). */
  labels: number[];
  /** Restart at 0 for each member, as if it were alone in its own row. */
  positionIds: number[];
  /** 1-based member number within the row for each token (0 is left for padding the trainer adds). */
  segmentIds: number[];
  /** Token count of each member, in order (the same information as segmentIds, as cu_seqlens-style lengths). */
  lengths: number[];
  /** Indices of the packed examples in the input list. */
  members: number[];
}

/**
 * Packs examples, in order, into rows of at most `maxLength` tokens (next-fit: a row is closed as
 * soon as the next example does not fit), so the order of the data is kept and packing is linear.
 * With labels aligned to input ids (the loss shifts them), the last token of one member would be
 * trained to predict the first token of the next; that first label is therefore IGNORE_LABEL, which
 * is also what an unpacked example gives (its first label is never a target).
 */
export function packExamples(examples: readonly TokenizedExample[], maxLength: number): PackedRow[] {
  const rows: PackedRow[] = [];
  let row: PackedRow | undefined;
  examples.forEach((example, index) => {
    const length = example.inputIds.length;
    if (length > maxLength) {
      throw new TunaInputError(`example ${index + 1} has ${length} tokens, more than the packing length ${maxLength}; apply the maximum length before packing.`);
    }
    if (length === 0) return;
    if (!row || row.inputIds.length + length > maxLength) {
      row = { inputIds: [], labels: [], positionIds: [], segmentIds: [], lengths: [], members: [] };
      rows.push(row);
    }
    const segment = row.lengths.length + 1;
    for (let i = 0; i < length; i++) {
      row.inputIds.push(example.inputIds[i]!);
      row.labels.push(i === 0 ? IGNORE_LABEL : example.labels[i]!);
      row.positionIds.push(i);
      row.segmentIds.push(segment);
    }
    row.lengths.push(length);
    row.members.push(index);
  });
  return rows;
}

/** Tokens in rows divided by the room the rows have (rows x maxLength), 4 decimals. */
export function packingEfficiency(rows: readonly PackedRow[], maxLength: number): number {
  if (rows.length === 0) return 0;
  const tokens = rows.reduce((total, row) => total + row.inputIds.length, 0);
  return Math.round((tokens / (rows.length * maxLength)) * 1e4) / 1e4;
}
