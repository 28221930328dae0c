import { TunaInputError } from '../errors.js';
import type { JsonObject } from './read-json.js';

/** The config keys of the named special tokens, as transformers lists them. */
export const NAMED_TOKEN_KEYS = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
] as const;
export type NamedTokenKey = (typeof NAMED_TOKEN_KEYS)[number];

/** The special tokens a folder names, as strings (a key is absent when the folder sets none). */
export interface SpecialTokenStrings {
  named: Partial<Record<NamedTokenKey, string>>;
  /** `additional_special_tokens` / `extra_special_tokens`: skipped by skipSpecialTokens. */
  additional: string[];
}

/**
 * Special token strings from tokenizer_config.json, overridden by special_tokens_map.json where present,
 * as transformers' from_pretrained does. Values are strings or AddedToken objects `{content, ...}`.
 */
export function readSpecialTokens(
  config: JsonObject,
  configPath: string,
  map: JsonObject | undefined,
  mapPath: string,
): SpecialTokenStrings {
  const named: SpecialTokenStrings['named'] = {};
  for (const key of NAMED_TOKEN_KEYS) {
    const value = map && key in map ? tokenContent(map[key], mapPath, key) : tokenContent(config[key], configPath, key);
    if (value !== undefined) named[key] = value;
  }
  const additional = new Set<string>();
  for (const [source, path] of [[config, configPath], [map, mapPath]] as const) {
    if (!source) continue;
    for (const key of ['additional_special_tokens', 'extra_special_tokens']) {
      for (const token of tokenList(source[key], path, key)) additional.add(token);
    }
  }
  return { named, additional: [...additional] };
}

/** A token given as a string, an AddedToken object `{content}`, or null. */
export function tokenContent(value: unknown, path: string, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value) && typeof (value as JsonObject).content === 'string') {
    return (value as JsonObject).content as string;
  }
  throw new TunaInputError(`${path}: field "${field}" must be a string or an object with a "content" string`);
}

// extra_special_tokens may also be a {name: token} object (model-specific named tokens).
function tokenList(value: unknown, path: string, field: string): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : typeof value === 'object' ? Object.values(value) : null;
  if (items === null) throw new TunaInputError(`${path}: field "${field}" must be a list of tokens`);
  return items.map((item, index) => tokenContent(item, path, `${field}[${index}]`)!).filter((t) => t !== undefined);
}

/** Token ids named by generation_config.json (or config.json): a number or a list of numbers. */
export function readTokenIds(value: unknown, path: string, field: string): number[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const id of list) {
    if (!Number.isInteger(id) || (id as number) < 0) {
      throw new TunaInputError(`${path}: field "${field}" must be a token id or a list of token ids, got ${JSON.stringify(value)}`);
    }
  }
  return list as number[];
}
