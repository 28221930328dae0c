// The tokenizer as GGUF metadata, the way llama.cpp's convert_hf_to_gguf.py writes it from a
// Hugging Face tokenizer.json: byte-level BPE as tokenizer.ggml.model "gpt2" with its merges and
// a pre-tokenizer name llama.cpp knows; BPE with byte fallback (Llama 2, TinyLlama, Mistral) as
// "llama" with scores. Token types, special token ids, add_bos/add_eos and the chat template
// come along, and the vocabulary is padded to the model's vocab_size with [PADn] tokens.
import { TunaInputError } from '../errors.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { JsonObject } from '../tokenizer/read-json.js';
import type { TokenizerFiles } from '../tokenizer/tokenizer-files.js';
import { array, bool, str, u32, type GgufValue } from './gguf-format.js';

/** llama_token_type. */
const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/**
 * Pre-tokenizer regexes of the families llama.cpp names (tokenizer.ggml.pre). llama.cpp's
 * converter recognises a tokenizer by hashing its output on a test text; Tuna matches the
 * tokenizer.json's split pattern instead, which is what that output depends on.
 */
const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const PRE_BY_PATTERN: [string, string][] = [
  ["(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", 'llama-bpe'],
  ["(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", 'qwen2'],
  [GPT2_PATTERN, 'gpt-2'],
];

function preTokenizerName(json: JsonObject): string {
  const pre = json.pre_tokenizer as JsonObject | null | undefined;
  const parts = pre?.type === 'Sequence' ? ((pre.pretokenizers as JsonObject[] | undefined) ?? []) : pre ? [pre] : [];
  const byteLevel = parts.find((p) => p.type === 'ByteLevel');
  const digits = parts.find((p) => p.type === 'Digits');
  const split = parts.find((p) => p.type === 'Split');
  const pattern = (split?.pattern as JsonObject | undefined)?.Regex;
  if (typeof pattern === 'string') return PRE_BY_PATTERN.find(([p]) => p === pattern)?.[1] ?? 'default';
  // SmolLM: digits one by one, then GPT-2's byte-level split.
  if (digits && digits.individual_digits === true && byteLevel) return 'smollm';
  if (byteLevel && byteLevel.use_regex !== false) return 'gpt-2';
  return 'default';
}

const mergeText = (merge: unknown) => (Array.isArray(merge) ? merge.join(' ') : String(merge));

export interface TokenizerMetadata {
  entries: [string, GgufValue][];
  /** What a user should know (an unknown pre-tokenizer, a synthesized score). */
  notes: string[];
}

export function tokenizerMetadata(files: TokenizerFiles, tokenizer: Tokenizer, vocabSize: number): TokenizerMetadata {
  const json = files.tokenizerJson;
  const model = json.model as JsonObject;
  const path = `${files.folder}/tokenizer.json`;
  if (model.type !== 'BPE') throw new TunaInputError(`${path}: a ${String(model.type)} tokenizer cannot be exported to GGUF yet; BPE tokenizers (Llama, Mistral, Qwen2, SmolLM, GPT-2) can`);
  const vocab = model.vocab as Record<string, number>;
  const added = ((json.added_tokens as JsonObject[] | undefined) ?? []).map((t) => ({ id: t.id as number, content: t.content as string, special: t.special === true }));
  const size = Math.max(vocabSize, ...Object.values(vocab).map((id) => id + 1), ...added.map((t) => t.id + 1));
  const tokens: string[] = new Array(size);
  const types: number[] = new Array(size).fill(TOKEN_TYPE.NORMAL);
  for (const [token, id] of Object.entries(vocab)) tokens[id] = token;
  const byteFallback = model.byte_fallback === true;
  for (let id = 0; id < size; id++) {
    if (tokens[id] === undefined) {
      tokens[id] = `[PAD${id}]`;
      types[id] = TOKEN_TYPE.UNUSED;
    } else if (byteFallback && /^<0x[0-9A-F]{2}>$/.test(tokens[id]!)) {
      types[id] = TOKEN_TYPE.BYTE;
    }
  }
  for (const t of added) {
    tokens[t.id] = t.content;
    types[t.id] = t.special ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
  }
  // As the converter's SentencePiece path marks it; its byte-level BPE path keeps the added token's type.
  if (byteFallback && tokenizer.unkTokenId !== undefined) types[tokenizer.unkTokenId] = TOKEN_TYPE.UNKNOWN;
  const merges = ((model.merges as unknown[] | undefined) ?? []).map(mergeText);
  const notes: string[] = [];
  const entries: [string, GgufValue][] = [];
  if (byteFallback) {
    // llama.cpp's SentencePiece-style tokenizer merges the pair whose result scores highest; a score
    // of minus the merge's rank reproduces BPE's merge order exactly (pieces made by no merge score 0).
    const rank = new Map(merges.map((m, i) => [m.replace(' ', ''), i]));
    const scores = tokens.map((t, id) => (types[id] === TOKEN_TYPE.NORMAL && rank.has(t) ? -(rank.get(t)! + 1) : 0));
    entries.push(['tokenizer.ggml.model', str('llama')], ['tokenizer.ggml.pre', str('default')]);
    entries.push(['tokenizer.ggml.tokens', array('string', tokens)], ['tokenizer.ggml.scores', array('f32', scores)], ['tokenizer.ggml.token_type', array('i32', types)]);
  } else {
    const pre = preTokenizerName(json);
    if (pre === 'default') notes.push(`${path}: the pre-tokenizer is not one llama.cpp names; written as "default" (llama.cpp warns and splits like GPT-2)`);
    entries.push(['tokenizer.ggml.model', str('gpt2')], ['tokenizer.ggml.pre', str(pre)]);
    entries.push(['tokenizer.ggml.tokens', array('string', tokens)], ['tokenizer.ggml.token_type', array('i32', types)], ['tokenizer.ggml.merges', array('string', merges)]);
  }
  const ids: [string, number | undefined][] = [
    ['bos_token_id', tokenizer.bosTokenId], ['eos_token_id', tokenizer.eosTokenId], ['unknown_token_id', tokenizer.unkTokenId], ['padding_token_id', tokenizer.padTokenId],
  ];
  for (const [key, id] of ids) if (id !== undefined) entries.push([`tokenizer.ggml.${key}`, u32(id)]);
  // What encode adds around a text is what llama.cpp must add: read it off the tokenizer itself.
  const bare = tokenizer.encode('a', { addSpecialTokens: false });
  const withSpecials = tokenizer.encode('a', { addSpecialTokens: true });
  const addsBos = tokenizer.bosTokenId !== undefined && withSpecials[0] === tokenizer.bosTokenId && bare[0] !== tokenizer.bosTokenId;
  const addsEos = tokenizer.eosTokenId !== undefined && withSpecials.at(-1) === tokenizer.eosTokenId && bare.at(-1) !== tokenizer.eosTokenId;
  entries.push(['tokenizer.ggml.add_bos_token', bool(addsBos)], ['tokenizer.ggml.add_eos_token', bool(addsEos)]);
  const template = chatTemplateText(files);
  if (template !== undefined) entries.push(['tokenizer.chat_template', str(template)]);
  return { entries, notes };
}

/** The default chat template: chat_template.jinja, or tokenizer_config.json's chat_template (a string, or the one named "default"). */
function chatTemplateText(files: TokenizerFiles): string | undefined {
  if (files.chatTemplate !== undefined) return files.chatTemplate;
  const t = files.tokenizerConfig?.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = (t as JsonObject[]).find((x) => x.name === 'default') ?? (t as JsonObject[])[0];
    return typeof named?.template === 'string' ? named.template : undefined;
  }
  return undefined;
}
