import { TunaInputError } from '../../errors.js';
import type { LocatedExample } from '../format/example.js';
import type { LengthReport } from './length-stats.js';
import { LengthTally } from './length-tally.js';
import { IGNORE_LABEL } from '../tokenize/segments.js';
import type { PromptTemplate, RenderedExample, Segment, TokenizedExample } from '../tokenize/segments.js';
import type { SegmentTokenization } from '../tokenize/tokenize.js';
import { LineCollector, warningFor } from './warnings.js';
import type { DatasetWarning } from './warnings.js';

/** One example as the model sees it: decoded runs of untrained and trained tokens. */
export interface TokenSample {
  line: number;
  tokens: number;
  trainedTokens: number;
  parts: Segment[];
}

/** Token-level statistics: `prompt` counts untrained tokens, `answer` trained ones (labels != -100). */
export interface TokenReport extends LengthReport {
  template: string;
  maxLength: number;
  /** Examples longer than maxLength, which prepare drops or truncates. */
  overMaxLength: number;
  /** Text histogram of the total tokens per example. */
  histogram: string;
  samples: TokenSample[];
  /** The EOS ids (and the pad id) among the trained labels: the tokens that end an answer. */
  trainedEndIds: number[];
}

export interface TokenInspectorOptions {
  template: PromptTemplate;
  /** Needed by add(); addTokenized() records examples tokenized elsewhere. */
  tokenize?: (rendered: RenderedExample) => TokenizedExample | SegmentTokenization;
  maxLength: number;
  /** Ids that end generation: an example with none of them trained never teaches the model to stop. */
  eosTokenIds: readonly number[];
  /** Reported in trainedEndIds when a label trains it (pad = EOS setups). */
  padTokenId?: number;
  decode: (ids: number[]) => string;
  /** How many examples to keep as samples (the first ones); default 3. */
  samples?: number;
}

/** Whether an untrained segment runs into the trained one after it with no whitespace on either side. */
function joinsWithoutSeparator(segments: readonly Segment[]): boolean {
  const first = segments.findIndex((s) => s.trained);
  if (first <= 0) return false;
  const before = segments[first - 1]!.text;
  const after = segments[first]!.text;
  return /\S$/u.test(before) && /^\S/u.test(after);
}

/** Splits ids into runs of equal trained-ness and decodes each run. */
export function sampleParts(example: TokenizedExample, decode: (ids: number[]) => string): Segment[] {
  const parts: Segment[] = [];
  let start = 0;
  for (let i = 1; i <= example.inputIds.length; i++) {
    const trained = example.labels[start] !== IGNORE_LABEL;
    if (i < example.inputIds.length && (example.labels[i] !== IGNORE_LABEL) === trained) continue;
    parts.push({ text: decode(example.inputIds.slice(start, i)), trained });
    start = i;
  }
  return parts;
}

/**
 * Token-level inspection, one example at a time (constant memory): renders with the template,
 * tokenizes, tallies lengths and collects the known traps (all labels masked, no EOS trained,
 * prompt at least maxLength, longer than maxLength, BPE merges across segment boundaries).
 */
export class TokenInspector {
  private readonly promptTokens = new LengthTally();
  private readonly answerTokens = new LengthTally();
  private readonly totalTokens = new LengthTally();
  private readonly samples: TokenSample[] = [];
  private readonly renderFailed = new LineCollector();
  private firstRenderError = '';
  private readonly allMasked = new LineCollector();
  private readonly noEos = new LineCollector();
  private readonly promptTooLong = new LineCollector();
  private readonly overMaxLength = new LineCollector();
  private readonly boundaryMerge = new LineCollector();
  private readonly noSeparator = new LineCollector();
  private readonly eos: ReadonlySet<number>;
  private readonly ends: ReadonlySet<number>;
  private readonly trainedEnds = new Set<number>();

  constructor(private readonly options: TokenInspectorOptions) {
    this.eos = new Set(options.eosTokenIds);
    this.ends = new Set([...options.eosTokenIds, ...(options.padTokenId === undefined ? [] : [options.padTokenId])]);
  }

  /** Renders and tokenizes an example and records it; undefined when the template cannot render it. */
  add({ example, line }: LocatedExample): { rendered: RenderedExample; tokenized: TokenizedExample | SegmentTokenization } | undefined {
    let rendered: RenderedExample;
    try {
      rendered = this.options.template.render(example);
    } catch (error) {
      if (!(error instanceof TunaInputError)) throw error;
      if (this.renderFailed.count === 0) this.firstRenderError = error.message;
      this.renderFailed.add(line);
      return undefined;
    }
    if (joinsWithoutSeparator(rendered.segments)) this.noSeparator.add(line);
    if (!this.options.tokenize) throw new Error('TokenInspector.add needs the tokenize option.');
    const tokenized = this.options.tokenize(rendered);
    this.addTokenized(line, tokenized);
    return { rendered, tokenized };
  }

  get renderFailures(): { count: number; firstMessage: string } {
    return { count: this.renderFailed.count, firstMessage: this.firstRenderError };
  }

  /** Records an example tokenized elsewhere (prepare inspects exactly what it writes). */
  addTokenized(line: number, example: TokenizedExample | SegmentTokenization): void {
    const total = example.inputIds.length;
    let trained = 0;
    let firstTrained = -1;
    let eosTrained = false;
    for (let i = 0; i < total; i++) {
      const label = example.labels[i]!;
      if (label === IGNORE_LABEL) continue;
      trained++;
      if (firstTrained === -1) firstTrained = i;
      if (this.eos.has(label)) eosTrained = true;
      if (this.ends.has(label)) this.trainedEnds.add(label);
    }
    this.promptTokens.add(total - trained);
    this.answerTokens.add(trained);
    this.totalTokens.add(total);
    const { maxLength } = this.options;
    if (trained === 0) this.allMasked.add(line);
    else if (!eosTrained) this.noEos.add(line);
    if ((firstTrained === -1 ? total : firstTrained) >= maxLength) this.promptTooLong.add(line);
    if (total > maxLength) this.overMaxLength.add(line);
    if ('boundaryMerge' in example && example.boundaryMerge) this.boundaryMerge.add(line);
    if (this.samples.length < (this.options.samples ?? 3)) {
      this.samples.push({ line, tokens: total, trainedTokens: trained, parts: sampleParts(example, this.options.decode) });
    }
  }

  report(): { report: TokenReport; warnings: DatasetWarning[] } {
    const { maxLength, template } = this.options;
    const report: TokenReport = {
      template: template.name,
      prompt: this.promptTokens.stats(),
      answer: this.answerTokens.stats(),
      total: this.totalTokens.stats(),
      maxLength,
      overMaxLength: this.overMaxLength.count,
      histogram: this.totalTokens.histogram(),
      samples: this.samples,
      trainedEndIds: [...this.trainedEnds].sort((a, b) => a - b),
    };
    const warnings = [
      ...warningFor('render-failed', `examples cannot be rendered by template "${template.name}" and are left out (first: ${this.firstRenderError}).`, this.renderFailed),
      ...warningFor('all-labels-masked', 'examples have no trained token (every label is -100): they teach nothing.', this.allMasked),
      ...warningFor('no-eos', 'examples train no end-of-sequence token: the model may not learn to stop.', this.noEos),
      ...warningFor('prompt-too-long', `examples have a prompt of at least ${maxLength} tokens: cut to --max-length, nothing trained is left.`, this.promptTooLong),
      ...warningFor('over-max-length', `examples are longer than ${maxLength} tokens: prepare drops them (--truncation drop) or cuts them (--truncation truncate).`, this.overMaxLength),
      ...warningFor(
        'no-separator',
        `examples run the prompt straight into the answer with no space or newline between them (template "${template.name}" adds none, as TRL does for prompt/completion data); end the prompts or start the answers with a separator, or use --template qa.`,
        this.noSeparator,
      ),
      ...warningFor(
        'boundary-merge',
        'examples have a BPE merge across a prompt/answer boundary; those segments were tokenized on their own so the prompt tokens still match generation.',
        this.boundaryMerge,
      ),
    ];
    return { report, warnings };
  }
}
