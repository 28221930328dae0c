import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveModel } from '../../io/hub.js';
import { loadTokenizer } from '../../tokenizer/index.js';
import type { Tokenizer } from '../../tokenizer/index.js';
import { chooseMaxLength, modelPositions } from '../tokenize/max-length.js';
import { prepareDataset } from './prepare-dataset.js';
import type { PrepareOptions, PreparedDataset } from './prepare-dataset.js';
import { readTemplateOption } from '../tokenize/template-choice.js';

/**
 * The tokenizer of a model folder or Hub id. A local folder needs only its tokenizer files (no
 * config.json or weights); a Hub id is resolved through the cache by resolveModel.
 */
export async function loadModelTokenizer(model: string): Promise<Tokenizer> {
  return loadTokenizer(await modelFolder(model));
}

/** The local folder of a model: the folder itself when it has tokenizer.json, else resolved through the Hub cache. */
export async function modelFolder(model: string): Promise<string> {
  const tokenizerJson = await stat(join(model, 'tokenizer.json')).catch(() => undefined);
  return tokenizerJson?.isFile() ? model : resolveModel(model);
}

export interface PrepareInMemoryOptions extends Omit<PrepareOptions, 'tokenizer' | 'template' | 'model'> {
  /** Model folder or Hub id whose tokenizer (and chat template) to use. */
  model: string;
  /** A built-in template name or a template file; the format's default when absent. */
  template?: string;
}

/** prepareDataset from plain option values, as the CLI and the trainer's on-the-fly preparation pass them. */
export async function prepareInMemory(file: string, options: PrepareInMemoryOptions): Promise<PreparedDataset> {
  const { model, template, ...rest } = options;
  const folder = await modelFolder(model);
  const tokenizer = await loadTokenizer(folder);
  const { maxLength, warning } = chooseMaxLength(options.maxLength, await modelPositions(folder));
  const prepared = await prepareDataset(file, { ...rest, maxLength, tokenizer, model, template: await readTemplateOption(template) });
  if (warning) prepared.report.input.warnings.unshift({ code: 'above-model-positions', message: warning, count: 1, lines: [] });
  return prepared;
}
