import { TunaInputError } from '../../errors.js';
import type { Tokenizer } from '../../tokenizer/index.js';
import type { ColumnMap } from '../format/column-map.js';
import type { DatasetFormat } from '../format/dataset-format.js';
import { exampleKey } from '../format/example.js';
import type { LocatedExample } from '../format/example.js';
import { inspectDataset } from '../inspect/inspect.js';
import type { DatasetReport } from '../inspect/inspect.js';
import { DEFAULT_MAX_LENGTH } from '../inspect/inspect-file.js';
import { checkMaxLength } from '../tokenize/max-length.js';
import type { TruncationPolicy } from '../tokenize/max-length.js';
import { packExamples, packingEfficiency } from '../tokenize/pack.js';
import { finishSplit } from '../split/prepare-split.js';
import type { SplitItem } from '../split/prepare-split.js';
import type { PrepareReport } from './prepare-report.js';
import { toPackedRecord, toRecord } from './prepared-record.js';
import type { PackedRecord, PreparedRecord } from './prepared-record.js';
import { readDataset } from '../load/read-dataset.js';
import type { Dataset, ReadDatasetOptions } from '../load/read-dataset.js';
import type { PromptTemplate } from '../tokenize/segments.js';
import { splitTrainTest, splitWithTestSet } from '../split/split.js';
import { chatRendererOf, formatKind, resolveTemplate } from '../tokenize/template-choice.js';
import type { TemplateOption } from '../tokenize/template-choice.js';
import { TokenInspector } from '../inspect/token-inspector.js';
import { segmentTokenizer } from '../tokenize/tokenize.js';
import { unsupportedExample } from '../tokenize/segments.js';

export interface PrepareOptions {
  tokenizer: Tokenizer;
  /** The model id or folder, for the report. */
  model?: string;
  template?: TemplateOption;
  format?: DatasetFormat;
  map?: ColumnMap;
  skipBad?: boolean;
  /** Fraction (0, 1) or count of unique examples for the test set (default 0.1); ignored with testFile. */
  testSize?: number;
  /** A separate test file; train examples equal to a test example are dropped. */
  testFile?: string;
  seed?: number;
  maxLength?: number;
  truncation?: TruncationPolicy;
  /** Pack train examples into rows of maxLength tokens (test examples stay one per line). */
  pack?: boolean;
  trainOnInputs?: boolean;
}

/** The records of train.jsonl and test.jsonl and the report of what they hold. */
export interface PreparedDataset {
  train: PreparedRecord[] | PackedRecord[];
  test: PreparedRecord[];
  report: PrepareReport;
}

export const DEFAULT_TEST_SIZE = 0.1;
export const DEFAULT_SEED = 123;

/** Renders and tokenizes every example of a dataset once, and inspects the file with those tokens. */
function tokenizeDataset(dataset: Dataset, template: PromptTemplate, options: PrepareOptions, maxLength: number): { items: SplitItem[]; report: DatasetReport } {
  const tok = options.tokenizer;
  const inspector = new TokenInspector({
    template,
    tokenize: segmentTokenizer(tok, { trainOnInputs: options.trainOnInputs }),
    maxLength,
    eosTokenIds: tok.eosTokenIds,
    padTokenId: tok.padTokenId,
    decode: (ids) => tok.decode(ids),
  });
  const items = dataset.examples.map((located: LocatedExample) => ({ located, result: inspector.add(located) }));
  const failures = inspector.renderFailures;
  if (failures.count === dataset.examples.length) {
    throw new TunaInputError(`${dataset.file}: template "${template.name}" cannot render any example (first: ${failures.firstMessage}).`);
  }
  return { items, report: inspectDataset(dataset, inspector.report()) };
}

/**
 * The whole preparation in memory: read, render and tokenize, deduplicate and split (a seeded
 * shuffle, or a given test file), apply the maximum length, pack train if asked, and inspect
 * what will be written. Write it with writePreparedDataset.
 */
export async function prepareDataset(file: string, options: PrepareOptions): Promise<PreparedDataset> {
  const tok = options.tokenizer;
  const maxLength = checkMaxLength(options.maxLength ?? DEFAULT_MAX_LENGTH);
  const truncation = options.truncation ?? 'drop';
  const templateOption = options.template ?? {};
  const read: ReadDatasetOptions = { skipBad: options.skipBad, map: options.map, format: options.format, ...(templateOption.file ? { template: templateOption.file } : {}) };
  const dataset = await readDataset(file, read);
  const template = resolveTemplate(templateOption, dataset.format, chatRendererOf(tok));
  const main = tokenizeDataset(dataset, template, options, maxLength);
  const key = (item: SplitItem): string => exampleKey(item.located.example);
  const seed = options.seed ?? DEFAULT_SEED;
  const testSize = options.testSize ?? DEFAULT_TEST_SIZE;

  let trainItems: SplitItem[];
  let testItems: SplitItem[];
  let testInput: DatasetReport | null = null;
  let split: PrepareReport['split'];
  if (options.testFile) {
    const testDataset = await readDataset(options.testFile, read);
    if (!template.supports.includes(formatKind(testDataset.format))) throw unsupportedExample(template.name, formatKind(testDataset.format));
    const tested = tokenizeDataset(testDataset, template, options, maxLength);
    testInput = tested.report;
    const given = splitWithTestSet(main.items, tested.items, key);
    [trainItems, testItems] = [given.train, given.test];
    split = { duplicatesRemoved: given.trainDuplicates.length + given.testDuplicates.length, removedFromTrain: given.removedFromTrain.length, train: trainItems.length, test: testItems.length };
  } else {
    const shuffled = splitTrainTest(main.items, { testSize, seed, key });
    [trainItems, testItems] = [shuffled.train, shuffled.test];
    split = { duplicatesRemoved: shuffled.duplicates.length, removedFromTrain: 0, train: trainItems.length, test: testItems.length };
  }

  const context = { template, tokenizer: tok, maxLength, truncation };
  const train = finishSplit(trainItems, context);
  const test = finishSplit(testItems, context);
  if (train.examples.length === 0) {
    throw new TunaInputError(
      `${file}: no training example is left (${train.summary}). Raise --max-length, use --truncation truncate, or check the data with tuna inspect.`,
    );
  }
  const rows = options.pack ? packExamples(train.examples.map((x) => x.tokens), maxLength) : null;
  if (rows) train.report.packing = { rows: rows.length, efficiency: packingEfficiency(rows, maxLength) };
  train.report.records = rows ? rows.length : train.examples.length;

  return {
    train: rows ? rows.map((row) => toPackedRecord(row, train.examples)) : train.examples.map(toRecord),
    test: test.examples.map(toRecord),
    report: {
      input: main.report,
      testInput,
      settings: {
        model: options.model ?? null,
        template: template.name,
        maxLength,
        truncation,
        pack: options.pack === true,
        trainOnInputs: options.trainOnInputs === true,
        seed,
        testSize: options.testFile ? null : testSize,
        testFile: options.testFile ?? null,
      },
      split,
      train: train.report,
      test: test.report,
    },
  };
}
