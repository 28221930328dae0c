import { TunaInputError } from '../errors.js';
import { BUILTIN_BPE_CORPUS } from './bpe-corpus.js';
import { trainBpeMerges } from './bpe-trainer.js';
import { BYTE_ALPHABET, byteLevelPieces } from './byte-level.js';
import { chatMlTemplate, LLAMA2_CHAT_TEMPLATE } from './chat-template-presets.js';
import { templateProcessing } from './post-processor.js';
import type { JsonObject } from './read-json.js';

export type BpeStyle = 'chatml' | 'llama';

export interface BuildBpeOptions {
  /** Total ids: special tokens + 256 bytes + merges. */
  vocabSize: number;
  /** 'chatml': <|endoftext|>, <|im_start|>, <|im_end|> and a ChatML template; 'llama': <unk>, <s>, </s>, BOS added, Llama-2 template. */
  style: BpeStyle;
  /** More special tokens, after the style's own (duplicates of those are ignored). */
  specialTokens?: string[];
  /** Training text (default: 9 KB of built-in English, enough for vocabularies up to 2,048). */
  corpus?: string;
  /** Written as model_max_length (default 2048). */
  modelMaxLength?: number;
  /** ChatML's system turn when the conversation has none. */
  defaultSystemPrompt?: string;
}

/** The three files of a Hugging Face tokenizer folder, plus the ids a model config needs. */
export interface BuiltTokenizer {
  tokenizerJson: JsonObject;
  tokenizerConfig: JsonObject;
  specialTokensMap: JsonObject;
  vocabSize: number;
  bosTokenId: number;
  eosTokenId: number;
  padTokenId: number;
  unkTokenId: number;
}

const STYLES = {
  chatml: { own: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'], bos: '<|im_start|>', eos: '<|im_end|>', pad: '<|endoftext|>', unk: '<|endoftext|>' },
  llama: { own: ['<unk>', '<s>', '</s>'], bos: '<s>', eos: '</s>', pad: '<unk>', unk: '<unk>' },
} as const;

/**
 * Builds a GPT-2 style byte-level BPE tokenizer (ByteLevel pre-tokenizer and decoder, every byte in the
 * vocabulary so nothing is unknown) with merges learned from `corpus`, in the exact schema the Rust
 * tokenizers library writes. Special tokens take the first ids, then the 256 bytes, then the merges.
 */
export function buildByteLevelBpe(options: BuildBpeOptions): BuiltTokenizer {
  const style = STYLES[options.style];
  if (!style) throw new TunaInputError(`tokenizer style must be 'chatml' or 'llama', got ${JSON.stringify(options.style)}`);
  const specials = [...new Set([...style.own, ...(options.specialTokens ?? [])])];
  const smallest = specials.length + BYTE_ALPHABET.length;
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < smallest) {
    throw new TunaInputError(`vocabSize must be an integer of at least ${smallest} (special tokens + 256 bytes), got ${options.vocabSize}`);
  }

  const { tokens, merges } = trainBpeMerges(countPieces(options.corpus ?? BUILTIN_BPE_CORPUS), BYTE_ALPHABET, options.vocabSize - specials.length);
  if (tokens.length + specials.length < options.vocabSize) {
    throw new TunaInputError(
      `the corpus only supports a vocabulary of ${tokens.length + specials.length} tokens, not ${options.vocabSize}; give a longer corpus or a smaller vocabSize`,
    );
  }
  const vocab: Record<string, number> = {};
  [...specials, ...tokens].forEach((token, id) => (vocab[token] = id));
  const id = (token: string) => vocab[token]!;

  const tokenizerJson: JsonObject = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({ id: id(content), ...addedTokenFlags(content) })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor:
      options.style === 'llama'
        ? templateProcessing({ token: style.bos, id: id(style.bos) }, undefined)
        : { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };

  const additional = specials.filter((token) => ![style.bos, style.eos, style.pad, style.unk].includes(token as never));
  const named = { bos_token: style.bos, eos_token: style.eos, pad_token: style.pad, unk_token: style.unk };
  const tokenizerConfig: JsonObject = {
    ...(options.style === 'llama' ? { add_bos_token: true, add_eos_token: false } : {}),
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(specials.map((content) => [String(id(content)), addedTokenFlags(content)])),
    additional_special_tokens: additional,
    ...named,
    chat_template: options.style === 'llama' ? LLAMA2_CHAT_TEMPLATE : chatMlTemplate(options.defaultSystemPrompt ?? 'You are a helpful assistant.'),
    clean_up_tokenization_spaces: false,
    model_max_length: options.modelMaxLength ?? 2048,
    // The generic fast class keeps tokenizer.json as it is in transformers 4 and 5 alike.
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
  const specialTokensMap: JsonObject = { ...(additional.length > 0 ? { additional_special_tokens: additional } : {}), ...named };

  return {
    tokenizerJson,
    tokenizerConfig,
    specialTokensMap,
    vocabSize: options.vocabSize,
    bosTokenId: id(style.bos),
    eosTokenId: id(style.eos),
    padTokenId: id(style.pad),
    unkTokenId: id(style.unk),
  };
}

function addedTokenFlags(content: string) {
  return { content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** How often each byte-level piece occurs in the corpus, in order of first appearance. */
function countPieces(corpus: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const piece of byteLevelPieces(corpus)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  return counts;
}
