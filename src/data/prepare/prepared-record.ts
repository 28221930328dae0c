import type { PackedRow } from '../tokenize/pack.js';
import type { TokenizedExample } from '../tokenize/segments.js';

/**
 * One line of train.jsonl / test.jsonl. `input_ids` and `labels` have the same length; labels
 * are aligned with the ids (the loss shifts them) and -100 where no loss is taken.
 */
export interface PreparedRecord {
  /** Line (or Parquet row) of the source record. */
  line: number;
  /** The rendered text, special tokens written out; the appended EOS is in the ids only. */
  text: string;
  /** What generation is given: `tok.encode(prompt)` equals the ids before the last trained part. */
  prompt: string;
  /** The answer the prompt should produce (the last trained text). */
  reference: string;
  /** The conversation before the reference with no template applied (pairs and chats only). */
  prompt_messages?: { role: string; content: string }[];
  input_ids: number[];
  labels: number[];
  /** Present (true) when the example was cut to the maximum length. */
  truncated?: true;
}

/**
 * One line of a packed train.jsonl: several examples in one sequence (see packExamples).
 * `position_ids` restart at 0 per example; `segment_ids` number the examples from 1, and the
 * trainer turns them into a block-diagonal causal mask (no attention across examples);
 * `lengths` are the examples' token counts. Per-example fields become lists, in row order.
 */
export interface PackedRecord {
  lines: number[];
  text: string[];
  prompt: string[];
  input_ids: number[];
  labels: number[];
  position_ids: number[];
  segment_ids: number[];
  lengths: number[];
  truncated?: true;
}

/** An example ready to write, before packing. */
export interface PreparedExample {
  line: number;
  text: string;
  prompt: string;
  reference: string;
  promptMessages?: { role: string; content: string }[] | undefined;
  tokens: TokenizedExample;
  truncated: boolean;
}

export function toRecord(example: PreparedExample): PreparedRecord {
  const { line, text, prompt, reference, tokens, promptMessages } = example;
  return {
    line, text, prompt, reference, ...(promptMessages ? { prompt_messages: promptMessages } : {}),
    input_ids: tokens.inputIds, labels: tokens.labels, ...(example.truncated ? { truncated: true as const } : {}),
  };
}

export function toPackedRecord(row: PackedRow, examples: readonly PreparedExample[]): PackedRecord {
  const members = row.members.map((index) => examples[index]!);
  return {
    lines: members.map((m) => m.line),
    text: members.map((m) => m.text),
    prompt: members.map((m) => m.prompt),
    input_ids: row.inputIds,
    labels: row.labels,
    position_ids: row.positionIds,
    segment_ids: row.segmentIds,
    lengths: row.lengths,
    ...(members.some((m) => m.truncated) ? { truncated: true as const } : {}),
  };
}
