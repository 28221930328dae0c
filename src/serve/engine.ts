// What the HTTP layer needs from a model: the ids it serves, tokenization, chat templates and
// queued generation. The server knows nothing else, so tests can serve a fake engine.
import type { ChatMessage } from '../tokenizer/chat-template.js';

export type { ChatMessage } from '../tokenizer/chat-template.js';

/** One entry of GET /v1/models: the base model or a LoRA adapter on it. */
export interface ServedModel {
  id: string;
  /** Unix seconds. */
  created: number;
  ownedBy: string;
  /** The base model's id, for an adapter. */
  parent?: string;
}

export interface GenerationRequest {
  /** A served model id: the base or an adapter name. */
  model: string;
  promptTokens: number[];
  maxTokens: number;
  /** 0 picks the most likely token. */
  temperature: number;
  topP: number;
  seed?: number;
  /** Text that ends the completion; it is not part of the output. */
  stop: string[];
  /** New text as it is produced; never holds (part of) a stop string. */
  onText?: (text: string) => void;
  /** Aborting drops a queued request or stops a running one; generate() then rejects. */
  signal?: AbortSignal;
}

export interface GenerationResult {
  text: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
}

export interface Engine {
  listModels(): ServedModel[];
  /** Prompt plus completion tokens may not exceed this. */
  readonly contextLength: number;
  /** One past the largest token id a prompt may hold. */
  readonly vocabSize: number;
  readonly hasChatTemplate: boolean;
  tokenize(text: string, options: { addSpecialTokens: boolean }): number[];
  /** The prompt text for a conversation, ending with the opening of the assistant's turn. */
  applyChatTemplate(messages: ChatMessage[]): string;
  /** Runs one generation after those queued before it (one at a time, first come first served). */
  generate(request: GenerationRequest): Promise<GenerationResult>;
  close(): Promise<void>;
}
