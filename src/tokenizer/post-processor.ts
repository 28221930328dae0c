import { TunaInputError } from '../errors.js';
import type { JsonObject } from './read-json.js';

// transformers 4.x LlamaTokenizerFast / CodeLlama / Gemma rebuild tokenizer.json's post-processor from
// add_bos_token (default true) and add_eos_token (default false) when they load; every other class keeps it.
const CLASSES_THAT_REBUILD = new Set([
  'LlamaTokenizer',
  'LlamaTokenizerFast',
  'CodeLlamaTokenizer',
  'CodeLlamaTokenizerFast',
  'GemmaTokenizer',
  'GemmaTokenizerFast',
]);

export interface PostProcessorChoice {
  /** The post_processor JSON to run (tokenizer.json's own, or one rebuilt from the config flags). */
  postProcessor: unknown;
  /** Why: 'tokenizer.json' or 'add_bos_token/add_eos_token'. */
  source: 'tokenizer.json' | 'add_bos_token/add_eos_token';
}

/**
 * Decides which special tokens encode() adds. For Llama-family tokenizer classes the config flags win, as in
 * transformers' LlamaTokenizerFast.update_post_processor; transformers 5 instead keeps tokenizer.json's
 * post-processor, which gives the same result whenever the two files agree (every folder saved by transformers).
 */
export function choosePostProcessor(
  tokenizerJson: JsonObject,
  config: JsonObject,
  configPath: string,
  tokens: { bos?: string; eos?: string },
  tokenToId: (token: string) => number | undefined,
): PostProcessorChoice {
  const className = typeof config.tokenizer_class === 'string' ? config.tokenizer_class : '';
  if (!CLASSES_THAT_REBUILD.has(className)) {
    return { postProcessor: tokenizerJson.post_processor ?? null, source: 'tokenizer.json' };
  }
  const addBos = readFlag(config, 'add_bos_token', true, configPath);
  const addEos = readFlag(config, 'add_eos_token', false, configPath);
  if (addBos && tokens.bos === undefined) {
    throw new TunaInputError(`${configPath}: add_bos_token is true but no bos_token is set; set bos_token or add_bos_token: false`);
  }
  if (addEos && tokens.eos === undefined) {
    throw new TunaInputError(`${configPath}: add_eos_token is true but no eos_token is set; set eos_token or add_eos_token: false`);
  }
  const withId = (token: string): SpecialTokenId => {
    const id = tokenToId(token);
    if (id === undefined) throw new TunaInputError(`${configPath}: special token ${JSON.stringify(token)} is not in tokenizer.json's vocabulary`);
    return { token, id };
  };
  return {
    postProcessor: templateProcessing(addBos ? withId(tokens.bos!) : undefined, addEos ? withId(tokens.eos!) : undefined),
    source: 'add_bos_token/add_eos_token',
  };
}

function readFlag(config: JsonObject, key: string, fallback: boolean, path: string): boolean {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new TunaInputError(`${path}: field "${key}" must be true or false`);
  return value;
}

export interface SpecialTokenId {
  token: string;
  id: number;
}

/** A TemplateProcessing post-processor `[bos] $A [eos]` (pair: `[bos] $A [eos] [bos] $B [eos]`), in tokenizer.json's schema. */
export function templateProcessing(bos: SpecialTokenId | undefined, eos: SpecialTokenId | undefined): JsonObject {
  const special = (token: SpecialTokenId, typeId: number) => ({ SpecialToken: { id: token.token, type_id: typeId } });
  const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const around = (id: 'A' | 'B', typeId: number) => [
    ...(bos === undefined ? [] : [special(bos, typeId)]),
    sequence(id, typeId),
    ...(eos === undefined ? [] : [special(eos, typeId)]),
  ];
  return {
    type: 'TemplateProcessing',
    single: around('A', 0),
    pair: [...around('A', 0), ...around('B', 1)],
    special_tokens: Object.fromEntries(
      [bos, eos]
        .filter((t) => t !== undefined)
        .map((t) => [t.token, { id: t.token, ids: [t.id], tokens: [t.token] }]),
    ),
  };
}
