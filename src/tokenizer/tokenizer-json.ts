import { TunaInputError } from '../errors.js';
import type { JsonObject } from './read-json.js';
import type { SpecialTokenStrings } from './special-tokens.js';

/** Checks the parts of tokenizer.json that the tokenizer library would otherwise trip over with an unclear message. */
export function validateTokenizerJson(json: JsonObject, path: string): void {
  const model = json.model;
  if (model === null || typeof model !== 'object' || Array.isArray(model)) {
    throw new TunaInputError(`${path}: missing the "model" object; this does not look like a Hugging Face tokenizer.json`);
  }
  if (json.added_tokens !== undefined && !Array.isArray(json.added_tokens)) {
    throw new TunaInputError(`${path}: "added_tokens" must be a list`);
  }
  for (const [index, token] of ((json.added_tokens as unknown[] | undefined) ?? []).entries()) {
    const { id, content } = (token ?? {}) as JsonObject;
    if (!Number.isInteger(id) || typeof content !== 'string') {
      throw new TunaInputError(`${path}: added_tokens[${index}] needs an integer "id" and a string "content"`);
    }
  }
}

/** The id of a token from the raw JSON (added tokens first, then the model vocabulary), before the tokenizer is built. */
export function lookupTokenId(json: JsonObject, token: string): number | undefined {
  for (const added of (json.added_tokens as JsonObject[] | undefined) ?? []) {
    if (added.content === token) return added.id as number;
  }
  const vocab = (json.model as JsonObject).vocab;
  if (Array.isArray(vocab)) {
    // Unigram: a list of [piece, score].
    const index = vocab.findIndex((entry) => Array.isArray(entry) && entry[0] === token);
    return index === -1 ? undefined : index;
  }
  if (vocab !== null && typeof vocab === 'object') {
    const id = (vocab as JsonObject)[token];
    return Number.isInteger(id) ? (id as number) : undefined;
  }
  return undefined;
}

/**
 * The tokenizer_config fields @huggingface/tokenizers reads, with tokens as plain strings (it does not
 * understand AddedToken objects) and clean-up left to the caller.
 */
export function tokenizerConfigForLibrary(config: JsonObject, special: SpecialTokenStrings): JsonObject {
  return {
    ...special.named,
    additional_special_tokens: special.additional,
    clean_up_tokenization_spaces: false,
    remove_space: config.remove_space === true,
    do_lowercase_and_remove_accent: config.do_lowercase_and_remove_accent === true,
  };
}
