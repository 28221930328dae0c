import { TunaInputError } from '../../errors.js';
import type { ChatMessage, Example } from '../format/example.js';
import { mergeSegments, unsupportedExample } from '../tokenize/segments.js';
import type { PromptAndReference, PromptTemplate, RenderedExample, Segment } from '../tokenize/segments.js';
import { questionText } from './pair-template.js';

/** A message as a chat template sees it (no training weight). */
export interface ChatTemplateMessage {
  role: string;
  content: string;
}

/**
 * Renders a conversation with the model's chat template (owned by the tokenizer module, which
 * runs the model's jinja template). `addGenerationPrompt` appends the opening of an assistant turn.
 */
export type ChatRenderer = (messages: readonly ChatTemplateMessage[], options: { addGenerationPrompt: boolean }) => string;

function chatMessages(example: Example): ChatMessage[] {
  if (example.kind === 'chat') return example.messages;
  if (example.kind === 'pair') {
    return [
      { role: 'user', content: questionText(example) },
      { role: 'assistant', content: example.answer },
    ];
  }
  throw unsupportedExample('chat', example.kind);
}

/**
 * The conversation a chat model is given to produce the reference, with no template applied:
 * everything before the last assistant message (undefined for examples that are not conversations
 * or pairs). `eval --prompt-baseline` sends it to a prompted model.
 */
export function promptMessages(example: Example): { role: string; content: string }[] | undefined {
  if (example.kind !== 'chat' && example.kind !== 'pair') return undefined;
  const messages = chatMessages(example);
  const last = messages.findLastIndex((m) => m.role === 'assistant');
  return forTemplate(last === -1 ? messages : messages.slice(0, last));
}

function forTemplate(messages: readonly ChatMessage[]): ChatTemplateMessage[] {
  return messages.map(({ role, content }) => ({ role, content }));
}

function isTrained(message: ChatMessage): boolean {
  return message.role === 'assistant' && message.weight !== 0;
}

function notPrefixStable(index: number): TunaInputError {
  return new TunaInputError(
    `the chat template renders the conversation before message ${index} differently once later messages are added, ` +
      'so the assistant text to train cannot be located. Use a pair template (--template qa, alpaca or plain) or a model whose chat template renders turns independently.',
  );
}

/**
 * Splits a rendered conversation into trained assistant spans and untrained rest by rendering
 * prefixes: assistant message i spans from render(messages[0..i), generation prompt) to
 * render(messages[0..i]). The span therefore holds the content and the template's end-of-turn text.
 */
function renderConversation(render: ChatRenderer, messages: ChatMessage[]): Segment[] {
  const plain = forTemplate(messages);
  const full = render(plain, { addGenerationPrompt: false });
  const segments: Segment[] = [];
  let cursor = 0;
  messages.forEach((message, index) => {
    if (!isTrained(message)) return;
    const before = render(plain.slice(0, index), { addGenerationPrompt: true });
    const through = render(plain.slice(0, index + 1), { addGenerationPrompt: false });
    if (!through.startsWith(before) || !full.startsWith(through) || before.length < cursor) throw notPrefixStable(index);
    segments.push({ text: full.slice(cursor, before.length), trained: false });
    segments.push({ text: full.slice(before.length, through.length), trained: true });
    cursor = through.length;
  });
  segments.push({ text: full.slice(cursor), trained: false });
  return mergeSegments(segments);
}

/**
 * The model's own chat template. Assistant messages are trained unless their weight is 0; all
 * other text is not. Pairs become one user turn (question, then Alpaca input) and one assistant turn.
 * The prompt for generation is the conversation before the last assistant message, with the
 * generation prompt, which is exactly the untrained text before that message in `render`.
 */
export function chatTemplate(render: ChatRenderer): PromptTemplate {
  return {
    name: 'chat',
    supports: ['chat', 'pair'],
    render(example: Example): RenderedExample {
      return { segments: renderConversation(render, chatMessages(example)), appendEos: false };
    },
    renderPrompt(example: Example): PromptAndReference {
      const messages = chatMessages(example);
      const last = messages.findLastIndex((m) => m.role === 'assistant');
      const context = last === -1 ? messages : messages.slice(0, last);
      return {
        prompt: render(forTemplate(context), { addGenerationPrompt: true }),
        reference: last === -1 ? '' : messages[last]!.content,
      };
    },
  };
}
