import type { Tokenizer } from '../../tokenizer/index.js';
import type { LocatedExample } from '../format/example.js';
import { fitToMaxLength } from '../tokenize/max-length.js';
import type { TruncationPolicy } from '../tokenize/max-length.js';
import type { SplitReport } from '../prepare/prepare-report.js';
import type { PreparedExample } from '../prepare/prepared-record.js';
import { segmentsText } from '../tokenize/segments.js';
import { promptMessages } from '../templates/chat.js';
import type { PromptTemplate, RenderedExample, TokenizedExample } from '../tokenize/segments.js';
import { TokenInspector } from '../inspect/token-inspector.js';
import { LineCollector, warningFor } from '../inspect/warnings.js';

/** An example with its rendering and tokens (undefined when the template could not render it). */
export interface SplitItem {
  located: LocatedExample;
  result: { rendered: RenderedExample; tokenized: TokenizedExample } | undefined;
}

export interface SplitContext {
  template: PromptTemplate;
  tokenizer: Tokenizer;
  maxLength: number;
  truncation: TruncationPolicy;
}

const counted = (found: LineCollector) => ({ count: found.count, lines: [...found.lines] });

/**
 * Applies the maximum length to one side of the split and inspects exactly what will be written.
 * Every example left out or cut is counted, by reason, with its first lines.
 */
export function finishSplit(items: readonly SplitItem[], context: SplitContext): { examples: PreparedExample[]; report: SplitReport; summary: string } {
  const { template, tokenizer: tok, maxLength, truncation } = context;
  const written = new TokenInspector({ template, maxLength, eosTokenIds: tok.eosTokenIds, padTokenId: tok.padTokenId, decode: (ids) => tok.decode(ids) });
  const renderFailed = new LineCollector();
  const tooLong = new LineCollector();
  const nothingTrained = new LineCollector();
  const truncated = new LineCollector();
  const examples: PreparedExample[] = [];
  for (const { located, result } of items) {
    if (!result) {
      renderFailed.add(located.line);
      continue;
    }
    const outcome = fitToMaxLength(result.tokenized, maxLength, truncation);
    if (outcome.kind === 'dropped') {
      (outcome.reason === 'too-long' ? tooLong : nothingTrained).add(located.line);
      continue;
    }
    if (outcome.kind === 'truncated') truncated.add(located.line);
    const tokens = { inputIds: outcome.example.inputIds, labels: outcome.example.labels };
    const { prompt, reference } = template.renderPrompt(located.example);
    examples.push({
      line: located.line, text: segmentsText(result.rendered.segments), prompt, reference,
      promptMessages: promptMessages(located.example), tokens, truncated: outcome.kind === 'truncated',
    });
    written.addTokenized(located.line, tokens);
  }
  const inspected = written.report();
  const report: SplitReport = {
    examples: examples.length,
    records: examples.length,
    truncated: counted(truncated),
    dropped: { tooLong: counted(tooLong), nothingTrained: counted(nothingTrained), renderFailed: counted(renderFailed) },
    packing: null,
    tokens: inspected.report,
    warnings: [
      ...warningFor('dropped', `examples longer than ${maxLength} tokens were left out (--truncation drop).`, tooLong),
      ...warningFor('truncated', `examples longer than ${maxLength} tokens were cut to it; their end (and EOS) is not trained.`, truncated),
      ...warningFor('dropped', 'examples were left out because no trained token remained.', nothingTrained),
      ...warningFor('render-failed', `examples could not be rendered by template "${template.name}" and were left out.`, renderFailed),
      ...inspected.warnings,
    ],
  };
  const summary = `${items.length} examples: ${tooLong.count} longer than ${maxLength} tokens, ${nothingTrained.count} with nothing to train, ${renderFailed.count} not renderable`;
  return { examples, report, summary };
}
