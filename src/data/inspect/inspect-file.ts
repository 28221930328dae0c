import type { Tokenizer } from '../../tokenizer/index.js';
import type { ColumnMap } from '../format/column-map.js';
import type { DatasetFormat } from '../format/dataset-format.js';
import { DatasetInspector } from './dataset-inspector.js';
import type { DatasetReport } from './inspect.js';
import { scanDataset } from '../format/scan-dataset.js';
import { chatRendererOf, resolveTemplate } from '../tokenize/template-choice.js';
import type { TemplateOption } from '../tokenize/template-choice.js';
import { TokenInspector } from './token-inspector.js';
import { segmentTokenizer } from '../tokenize/tokenize.js';

/** The maximum length inspection and prepare use when none is given. */
export const DEFAULT_MAX_LENGTH = 2048;

export interface InspectFileOptions {
  skipBad?: boolean;
  map?: ColumnMap;
  format?: DatasetFormat;
  /** `--template` as read by readTemplateOption; the format's default template when empty. */
  template?: TemplateOption;
  /** With a tokenizer the report has token counts, samples and the token-level warnings. */
  tokenizer?: Tokenizer;
  maxLength?: number;
  trainOnInputs?: boolean;
  /** Samples to keep (default 3). */
  samples?: number;
}

/**
 * Inspects a data file in one streaming pass: records are counted and tallied as they are read
 * and then dropped, so a file of any size (JSONL, CSV) is inspected in flat memory. With a
 * tokenizer every example is also rendered and tokenized as prepare would.
 */
export async function inspectFile(file: string, options: InspectFileOptions = {}): Promise<DatasetReport> {
  const characters = new DatasetInspector();
  let tokens: TokenInspector | undefined;
  const template = options.template ?? {};
  const tok = options.tokenizer;
  const scan = await scanDataset(
    file,
    { skipBad: options.skipBad, map: options.map, format: options.format, ...(template.file ? { template: template.file } : {}) },
    {
      start({ format }) {
        if (!tok) return;
        tokens = new TokenInspector({
          template: resolveTemplate(template, format, chatRendererOf(tok)),
          tokenize: segmentTokenizer(tok, { trainOnInputs: options.trainOnInputs }),
          maxLength: options.maxLength ?? DEFAULT_MAX_LENGTH,
          eosTokenIds: tok.eosTokenIds,
          padTokenId: tok.padTokenId,
          decode: (ids) => tok.decode(ids),
          samples: options.samples,
        });
      },
      record: (record) => characters.addRecord(record.value),
      example(example) {
        characters.addExample(example);
        tokens?.add(example);
      },
      problem: (issue) => characters.addProblem(issue),
      skipped: (skipped) => characters.addSkipped(skipped),
    },
  );
  return characters.report(scan, tokens ? tokens.report() : null);
}
