// Prompts as token ids: raw text (with the tokenizer's own BOS rule), a chat rendered by the
// model's chat template, or ids already encoded.
import { TunaInputError } from '../errors.js';
import type { ChatMessage, Tokenizer } from '../tokenizer/index.js';

export type PromptInput =
  | string
  | { messages: readonly ChatMessage[] }
  | { ids: readonly number[] };

/** A one-turn chat: an optional system message, then the user's prompt. */
export function chatMessages(prompt: string, system?: string): ChatMessage[] {
  return system === undefined ? [{ role: 'user', content: prompt }] : [{ role: 'system', content: system }, { role: 'user', content: prompt }];
}

/**
 * Token ids of a prompt. A chat is rendered with the generation prompt (the opening of the
 * assistant's turn) and encoded without special tokens, as transformers' apply_chat_template does:
 * the template writes any BOS itself.
 */
export function encodePrompt(tokenizer: Tokenizer, prompt: PromptInput): number[] {
  if (typeof prompt === 'string') return tokenizer.encode(prompt);
  if ('ids' in prompt) return [...prompt.ids];
  if (!tokenizer.hasChatTemplate) {
    throw new TunaInputError(`${tokenizer.folder}: the tokenizer has no chat template (tokenizer_config.json "chat_template"); drop --chat to send the prompt as plain text`);
  }
  const text = tokenizer.applyChatTemplate(prompt.messages, { addGenerationPrompt: true });
  return tokenizer.encode(text, { addSpecialTokens: false });
}
