import { TunaInputError } from '../../errors.js';
import type { Example, ExampleKind } from '../format/example.js';

/**
 * A piece of rendered text. The loss is computed on `trained` pieces only.
 * The tokenizer step (segmentTokenizer) keeps the ids before each trained piece equal to
 * `encode(text before it)`, so the prompt tokens are exactly those generation starts from.
 */
export interface Segment {
  text: string;
  trained: boolean;
}

/** One example rendered for training. */
export interface RenderedExample {
  segments: Segment[];
  /**
   * True when the tokenizer step must append the EOS token, trained, after the last segment
   * (pair and text templates). False for chat templates, whose turns carry their own end markers.
   */
  appendEos: boolean;
}

/** What a model is given at evaluation or generation time, and the answer it should produce. */
export interface PromptAndReference {
  prompt: string;
  /** The trained text of the last answer ("" when the example has none). */
  reference: string;
}

/**
 * A prompt template. `renderPrompt` is built from the same pieces as `render`: its prompt is the
 * untrained text before the last trained segment, so training and inference never drift.
 */
export interface PromptTemplate {
  readonly name: string;
  readonly supports: readonly ExampleKind[];
  render(example: Example): RenderedExample;
  renderPrompt(example: Example): PromptAndReference;
}

/** Label value for tokens that are not trained (PyTorch's cross-entropy ignore_index). */
export const IGNORE_LABEL = -100;

/** What the tokenizer step returns for one rendered example. */
export interface TokenizedExample {
  inputIds: number[];
  /** Same length as inputIds; IGNORE_LABEL where the token is not trained. */
  labels: number[];
}

/** The seam to the tokenizer module: rendered segments in, ids and labels out. */
export type SegmentTokenizer = (rendered: RenderedExample) => TokenizedExample;

/** Drops empty segments and merges neighbours with the same `trained` flag. */
export function mergeSegments(segments: readonly Segment[]): Segment[] {
  const merged: Segment[] = [];
  for (const segment of segments) {
    if (segment.text === '') continue;
    const last = merged[merged.length - 1];
    if (last && last.trained === segment.trained) last.text += segment.text;
    else merged.push({ ...segment });
  }
  return merged;
}

export function segmentsText(segments: readonly Segment[]): string {
  return segments.map((s) => s.text).join('');
}

/** The prompt/answer split of a rendered example: all text before the last trained segment, and that segment. */
export function splitAtLastAnswer(segments: readonly Segment[]): PromptAndReference {
  const last = segments.findLastIndex((s) => s.trained);
  if (last === -1) return { prompt: segmentsText(segments), reference: '' };
  return { prompt: segmentsText(segments.slice(0, last)), reference: segments[last]!.text };
}

const SUGGESTION: Record<ExampleKind, string> = {
  chat: 'use --template chat',
  pair: 'use --template qa, alpaca, plain or chat',
  text: 'use --template plain',
  fields: 'use the template file these fields were read for',
};

/** The error for a template asked to render a kind of example it does not support. */
export function unsupportedExample(template: string, kind: ExampleKind): TunaInputError {
  return new TunaInputError(`template "${template}" cannot render ${kind} examples; ${SUGGESTION[kind]}.`);
}
