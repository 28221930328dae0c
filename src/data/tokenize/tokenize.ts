import { TunaInputError } from '../../errors.js';
import { IGNORE_LABEL, mergeSegments } from './segments.js';
import type { RenderedExample, TokenizedExample } from './segments.js';

/** What tokenization needs from a tokenizer (src/tokenizer's Tokenizer has all of it). */
export interface TokenizerLike {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  /** For error messages. */
  readonly folder: string;
}

export interface TokenizeOptions {
  /** Train on every token, prompt included (default: only trained segments and the appended EOS). */
  trainOnInputs?: boolean;
}

/** A tokenized example, and whether a BPE merge across a segment boundary forced a fallback. */
export interface SegmentTokenization extends TokenizedExample {
  /**
   * True when encoding the text up to the end of a segment did not extend the ids of the text
   * before it (a merge across the boundary); that segment was then encoded on its own.
   */
  boundaryMerge: boolean;
}

/** The special tokens the tokenizer's post-processor puts around plain text (BOS, sometimes EOS). */
export interface AddedSpecialTokens {
  prefix: number[];
  suffix: number[];
}

/** Finds what encode() adds around text by encoding a probe with and without special tokens. */
export function addedSpecialTokens(tok: TokenizerLike): AddedSpecialTokens {
  const probe = 'a';
  const plain = tok.encode(probe, { addSpecialTokens: false });
  const full = tok.encode(probe, { addSpecialTokens: true });
  for (let start = 0; start + plain.length <= full.length; start++) {
    if (plain.every((id, i) => full[start + i] === id)) return { prefix: full.slice(0, start), suffix: full.slice(start + plain.length) };
  }
  return { prefix: [], suffix: [] };
}

function startsWith(ids: readonly number[], prefix: readonly number[]): boolean {
  if (prefix.length > ids.length) return false;
  for (let i = 0; i < prefix.length; i++) if (ids[i] !== prefix[i]) return false;
  return true;
}

function endsWith(ids: readonly number[], suffix: readonly number[]): boolean {
  return suffix.length <= ids.length && startsWith(ids.slice(ids.length - suffix.length), suffix);
}

/**
 * Turns rendered segments into ids and labels (a SegmentTokenizer).
 *
 * Boundaries: the ids of the text up to the end of each segment are `encode(that text)` whenever
 * that extends the ids before it, so every prompt (the text before a trained segment) gets exactly
 * `tok.encode(renderPrompt(example).prompt)`, the ids generation starts from, and the whole
 * example is tokenized as one text would be (no dummy prefix or space re-added per segment). Only
 * when a BPE merge spans a boundary does that segment get encoded on its own (`boundaryMerge`):
 * the prompt ids stay those of inference, and the answer ids still decode to the answer text.
 *
 * Special tokens: the post-processor's prefix (BOS) is added only when the tokenizer adds it to
 * plain text and the rendered text does not already start with it, so never a double BOS. With
 * `appendEos` the EOS token ends the example and is always trained, whatever the pad token is.
 * Labels are IGNORE_LABEL on untrained segments and special prefixes unless `trainOnInputs`.
 */
export function segmentTokenizer(tok: TokenizerLike, options: TokenizeOptions = {}): (rendered: RenderedExample) => SegmentTokenization {
  const added = addedSpecialTokens(tok);
  const trainAll = options.trainOnInputs === true;
  return (rendered) => {
    const inputIds: number[] = [];
    const labels: number[] = [];
    let text = '';
    let boundaryMerge = false;
    for (const segment of mergeSegments(rendered.segments)) {
      const through = text + segment.text;
      const whole = tok.encode(through, { addSpecialTokens: false });
      let fresh: number[];
      if (startsWith(whole, inputIds)) fresh = whole.slice(inputIds.length);
      else {
        boundaryMerge = true;
        fresh = tok.encode(segment.text, { addSpecialTokens: false });
      }
      const train = trainAll || segment.trained;
      for (const id of fresh) {
        inputIds.push(id);
        labels.push(train ? id : IGNORE_LABEL);
      }
      text = through;
    }
    if (added.prefix.length > 0 && !startsWith(inputIds, added.prefix)) {
      inputIds.unshift(...added.prefix);
      labels.unshift(...added.prefix.map((id) => (trainAll ? id : IGNORE_LABEL)));
    }
    if (rendered.appendEos) appendTrainedEos(tok, inputIds, labels);
    else if (added.suffix.length > 0 && !endsWith(inputIds, added.suffix)) {
      const lastTrained = labels.length > 0 && labels[labels.length - 1] !== IGNORE_LABEL;
      inputIds.push(...added.suffix);
      labels.push(...added.suffix.map((id) => (trainAll || lastTrained ? id : IGNORE_LABEL)));
    }
    return { inputIds, labels, boundaryMerge };
  };
}

// An EOS already at the end (written into the text) is trained rather than doubled.
function appendTrainedEos(tok: TokenizerLike, inputIds: number[], labels: number[]): void {
  const eos = tok.eosTokenId;
  if (eos === undefined) {
    throw new TunaInputError(
      `${tok.folder}: the tokenizer names no eos_token, so the model cannot learn where an answer ends. Set eos_token in tokenizer_config.json, or use a chat template whose turns end with their own marker.`,
    );
  }
  if (inputIds[inputIds.length - 1] === eos) labels[labels.length - 1] = eos;
  else {
    inputIds.push(eos);
    labels.push(eos);
  }
}
