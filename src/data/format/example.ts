/** Roles a chat message may have. */
export const CHAT_ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** Assistant messages only: 0 = not trained, 1 = trained (the default for assistant messages). */
  weight?: 0 | 1;
}

/** A conversation (from `messages` or ShareGPT `conversations`). */
export interface ChatExample {
  kind: 'chat';
  messages: ChatMessage[];
}

/**
 * A prompt and its answer, from prompt/completion, question/answer, instruction/input/response or input/output.
 * `prompt` is the prompt, question or instruction; `context` is Alpaca's optional `input`, omitted when empty.
 */
export interface PairExample {
  kind: 'pair';
  prompt: string;
  context?: string;
  answer: string;
}

/** Plain text, trained as a whole. */
export interface TextExample {
  kind: 'text';
  text: string;
}

/** Named text fields for a user template; `answerField` names the trained one. */
export interface FieldsExample {
  kind: 'fields';
  fields: Record<string, string>;
  answerField: string;
}

export type Example = ChatExample | PairExample | TextExample | FieldsExample;
export type ExampleKind = Example['kind'];

/** An example with the line (or Parquet row) of the record it came from. */
export interface LocatedExample {
  example: Example;
  line: number;
}

/**
 * A canonical string for an example: equal keys mean duplicate examples.
 * Examples are built with a fixed key order, and fields are sorted, so JSON text is canonical.
 */
export function exampleKey(example: Example): string {
  if (example.kind !== 'fields') return JSON.stringify(example);
  const sorted = Object.fromEntries(Object.keys(example.fields).sort().map((name) => [name, example.fields[name]]));
  return JSON.stringify({ kind: 'fields', fields: sorted, answerField: example.answerField });
}
