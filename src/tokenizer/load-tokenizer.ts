import { stat } from 'node:fs/promises';
import { TunaInputError } from '../errors.js';
import { Tokenizer } from './tokenizer.js';
import { readTokenizerFiles } from './tokenizer-files.js';

/** Loads the tokenizer of a Hugging Face model folder (tokenizer.json, tokenizer_config.json, and friends). */
export async function loadTokenizer(folder: string): Promise<Tokenizer> {
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new TunaInputError(`${folder}: not a folder; give the folder that holds tokenizer.json`);
  }
  return new Tokenizer(await readTokenizerFiles(folder));
}
