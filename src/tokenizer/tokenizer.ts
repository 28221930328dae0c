import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import type { Template } from '@huggingface/jinja';
import { TunaInputError } from '../errors.js';
import type { ChatMessage, ChatTemplates } from './chat-template.js';
import { compileChatTemplate, readChatTemplates, renderChatTemplate, selectChatTemplate } from './chat-template.js';
import { choosePostProcessor } from './post-processor.js';
import type { PostProcessorChoice } from './post-processor.js';
import { readSpecialTokens, readTokenIds } from './special-tokens.js';
import type { SpecialTokenStrings } from './special-tokens.js';
import { StreamDecoder } from './stream-decoder.js';
import { filePath } from './tokenizer-files.js';
import type { TokenizerFiles } from './tokenizer-files.js';
import { lookupTokenId, tokenizerConfigForLibrary, validateTokenizerJson } from './tokenizer-json.js';

export interface EncodeOptions {
  /** Add the BOS/EOS the post-processor adds (default true, as in transformers). Never adds a second BOS. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
}

export interface ChatTemplateOptions {
  /** End with the opening of an assistant turn so the model answers next. */
  addGenerationPrompt?: boolean;
  /** Which of several named templates (default: 'tool_use' when tools are given, else 'default'). */
  templateName?: string;
  tools?: unknown[];
  documents?: unknown[];
  /** Further template variables (e.g. `enable_thinking`), as transformers' extra keyword arguments. */
  variables?: Record<string, unknown>;
}

/** A Hugging Face tokenizer: tokenizer.json for the pieces, tokenizer_config.json for special tokens and chat templates. */
export class Tokenizer {
  readonly folder: string;
  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;
  /** Unset when the folder names none or names one missing from the vocabulary (also for unkToken). */
  readonly padToken: string | undefined;
  readonly unkToken: string | undefined;
  readonly bosTokenId: number | undefined;
  /** The tokenizer's EOS id. */
  readonly eosTokenId: number | undefined;
  /** Every id that ends generation: the tokenizer's EOS and generation_config's eos_token_id (a number or a list). */
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | undefined;
  readonly unkTokenId: number | undefined;
  /** One past the largest id (model vocabulary and added tokens). */
  readonly vocabSize: number;
  /** Where encode()'s BOS/EOS rule came from. */
  readonly specialTokensSource: PostProcessorChoice['source'];

  private readonly inner: HfTokenizer;
  private readonly specialStrings: SpecialTokenStrings;
  private readonly specialIds: ReadonlySet<number>;
  private readonly chatTemplates: ChatTemplates | undefined;
  private readonly compiledTemplates = new Map<string, Template>();
  private readonly cleanUpSpaces: boolean;

  constructor(files: TokenizerFiles) {
    this.folder = files.folder;
    const jsonPath = filePath(files, 'tokenizerJson');
    const configPath = filePath(files, 'tokenizerConfig');
    const config = files.tokenizerConfig ?? {};
    validateTokenizerJson(files.tokenizerJson, jsonPath);
    this.specialStrings = readSpecialTokens(config, configPath, files.specialTokensMap, filePath(files, 'specialTokensMap'));
    const named = this.specialStrings.named;
    [this.bosToken, this.eosToken] = [named.bos_token, named.eos_token];

    const choice = choosePostProcessor(files.tokenizerJson, config, configPath, { bos: this.bosToken, eos: this.eosToken }, (token) =>
      lookupTokenId(files.tokenizerJson, token),
    );
    this.specialTokensSource = choice.source;
    this.cleanUpSpaces = config.clean_up_tokenization_spaces === true;
    try {
      this.inner = new HfTokenizer(
        // The library wants every stage present; the Rust library treats a missing one as null.
        { added_tokens: [], normalizer: null, pre_tokenizer: null, decoder: null, ...files.tokenizerJson, post_processor: choice.postProcessor },
        tokenizerConfigForLibrary(config, this.specialStrings),
      );
    } catch (error) {
      throw new TunaInputError(`${jsonPath}: cannot build the tokenizer: ${(error as Error).message}`);
    }

    const idOf = (token: string | undefined, field: string, path: string) => {
      if (token === undefined) return undefined;
      const id = this.inner.token_to_id(token);
      if (id === undefined) throw new TunaInputError(`${path}: ${field} ${JSON.stringify(token)} is not in ${jsonPath}; add it as an added token`);
      return id;
    };
    this.bosTokenId = idOf(this.bosToken, 'bos_token', configPath);
    this.eosTokenId = idOf(this.eosToken, 'eos_token', configPath);
    // transformers would append a pad/unk token missing from the vocabulary; the model has no row for it, so drop it.
    [this.padToken, this.padTokenId] = optionalToken(this.inner, named.pad_token);
    [this.unkToken, this.unkTokenId] = optionalToken(this.inner, named.unk_token);
    this.eosTokenIds = collectEosIds(this.eosTokenId, files);
    this.vocabSize = largestId(this.inner) + 1;
    this.specialIds = collectSpecialIds(this.inner, this.specialStrings);
    this.chatTemplates = readChatTemplates(
      config.chat_template,
      configPath,
      files.chatTemplate === undefined ? undefined : { path: filePath(files, 'chatTemplate'), text: files.chatTemplate },
    );
  }

  /** Token ids of `text`. With special tokens, a text that already starts with BOS (a rendered chat) gets no second one. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const addSpecialTokens = options.addSpecialTokens ?? true;
    const ids = this.inner.encode(text, { add_special_tokens: addSpecialTokens }).ids;
    // The library gives undefined ids for unknown pieces when the model has no unk_token.
    if (ids.some((id: number | undefined) => id === undefined)) {
      throw new TunaInputError(
        `${this.folder}: tokenizer.json gives no id for part of ${JSON.stringify(text.slice(0, 40))} (its unk_token is unset or not in the vocabulary)`,
      );
    }
    const bos = this.bosTokenId;
    if (addSpecialTokens && bos !== undefined && ids[0] === bos && ids[1] === bos && this.startsWithBos(text)) ids.shift();
    return ids;
  }

  /** Text of `ids`; ids beyond the vocabulary (padded embedding rows) are skipped, as the Rust tokenizers library does. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const known = ids.filter((id) => Number.isInteger(id) && id >= 0 && this.inner.id_to_token(id) !== undefined);
    const kept = options.skipSpecialTokens ? known.filter((id) => !this.specialIds.has(id)) : known;
    if (kept.length === 0) return '';
    return this.inner.decode(kept, { skip_special_tokens: false, clean_up_tokenization_spaces: this.cleanUpSpaces });
  }

  /** A decoder for streaming: push ids as they are generated, get back only complete new text. */
  createStreamDecoder(options: DecodeOptions = {}): StreamDecoder {
    return new StreamDecoder((ids) => this.decode(ids, options));
  }

  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.inner.id_to_token(id);
  }

  /** True for added tokens marked special and the named/additional special tokens. */
  isSpecialTokenId(id: number): boolean {
    return this.specialIds.has(id);
  }

  get hasChatTemplate(): boolean {
    return this.chatTemplates !== undefined;
  }

  /** Renders messages with the model's chat template (the text, not ids: encode it with addSpecialTokens). */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    const chosen = selectChatTemplate(this.chatTemplates, { name: options.templateName, hasTools: options.tools !== undefined }, this.folder);
    let template = this.compiledTemplates.get(chosen.name);
    if (!template) {
      template = compileChatTemplate(chosen.text, chosen.source);
      this.compiledTemplates.set(chosen.name, template);
    }
    return renderChatTemplate(template, chosen.source, {
      ...this.specialStrings.named,
      additional_special_tokens: this.specialStrings.additional,
      ...options.variables,
      messages,
      tools: options.tools ?? null,
      documents: options.documents ?? null,
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
  }

  private startsWithBos(text: string): boolean {
    const plain = this.inner.encode(text, { add_special_tokens: false }).ids;
    return plain[0] === this.bosTokenId;
  }
}

function collectEosIds(eosTokenId: number | undefined, files: TokenizerFiles): number[] {
  const fromGeneration = files.generationConfig
    ? readTokenIds(files.generationConfig.eos_token_id, filePath(files, 'generationConfig'), 'eos_token_id')
    : readTokenIds(files.modelConfig?.eos_token_id, filePath(files, 'modelConfig'), 'eos_token_id');
  const ids = eosTokenId === undefined ? fromGeneration : [eosTokenId, ...fromGeneration];
  return [...new Set(ids)];
}

function collectSpecialIds(inner: HfTokenizer, strings: SpecialTokenStrings): Set<number> {
  const ids = new Set<number>();
  for (const [id, token] of inner.get_added_tokens_decoder()) if (token.special) ids.add(id);
  for (const token of [...Object.values(strings.named), ...strings.additional]) {
    const id = inner.token_to_id(token);
    if (id !== undefined) ids.add(id);
  }
  return ids;
}

function optionalToken(inner: HfTokenizer, token: string | undefined): [string, number] | [undefined, undefined] {
  const id = token === undefined ? undefined : inner.token_to_id(token);
  return id === undefined ? [undefined, undefined] : [token!, id];
}

function largestId(inner: HfTokenizer): number {
  let largest = -1;
  for (const id of inner.get_vocab(true).values()) largest = Math.max(largest, id);
  return largest;
}
