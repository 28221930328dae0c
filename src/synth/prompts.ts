// The request sent for each chunk (or each Self-Instruct round): a template with {placeholders},
// built in per style or read from the user's file, and the JSON shape the reply must take.
import { fillPlaceholders, templatePlaceholders } from '../data/index.js';
import { TunaInputError } from '../errors.js';

export const SYNTH_STYLES = ['qa', 'instruction', 'chat'] as const;
export type SynthStyle = (typeof SYNTH_STYLES)[number];

/** The placeholders a prompt template may use. */
export const PROMPT_PLACEHOLDERS = ['chunk', 'file', 'n', 'examples', 'format'] as const;

const FORMATS: Record<SynthStyle | 'self-instruct', string> = {
  qa: '{"pairs": [{"question": "...", "answer": "..."}]}',
  chat: '{"pairs": [{"question": "...", "answer": "..."}]}',
  instruction: '{"pairs": [{"instruction": "...", "response": "..."}]}',
  'self-instruct': '{"pairs": [{"instruction": "...", "input": "", "response": "..."}]}',
};

const GROUNDED_RULES = `- Each answer must be correct according to the excerpt alone and use its terms; add no facts it does not state.
- Cover different parts of the excerpt, and do not ask the same thing twice.`;

const DOCUMENT_PROMPTS: Record<SynthStyle, string> = {
  qa: `Here is an excerpt from the document "{file}":

<excerpt>
{chunk}
</excerpt>

Write {n} questions that a reader of this document could ask, each with its answer.
- Each question must make sense on its own, without the excerpt: name the subject instead of writing "the text" or "the excerpt".
${GROUNDED_RULES}
{examples}
Reply with JSON only, in this form:
{format}`,
  instruction: `Here is an excerpt from the document "{file}":

<excerpt>
{chunk}
</excerpt>

Write {n} instructions that a user of this document could give an assistant (explain, compare, list the steps, summarise, advise), each with the response.
- Each instruction must make sense on its own, without the excerpt: name the subject instead of writing "the text" or "the excerpt".
${GROUNDED_RULES}
{examples}
Reply with JSON only, in this form:
{format}`,
  chat: `Here is an excerpt from the document "{file}":

<excerpt>
{chunk}
</excerpt>

Write {n} messages that a user could send to a chat assistant about this subject, each with the assistant's reply, in a natural conversational tone.
- Each message must make sense on its own, without the excerpt: name the subject instead of writing "the text" or "the excerpt".
${GROUNDED_RULES}
{examples}
Reply with JSON only, in this form:
{format}`,
};

const SELF_INSTRUCT_PROMPT = `Come up with {n} new, diverse tasks that a person could ask an AI assistant to do, each with a good response.
- Vary the kind of task (open questions, classification, rewriting, brainstorming, extraction, advice, reasoning) and the wording; do not reuse the verbs of the examples.
- Each instruction is one or two sentences in English and can be done in text alone: nothing about images, files, drawing or browsing.
- When a task needs material to work on (a text to rewrite, a list to sort), put it in "input"; otherwise leave "input" empty.
- Each response is complete and correct, and under 150 words.

Examples of tasks:
{examples}

Reply with JSON only, in this form:
{format}`;

export interface PromptTemplate {
  text: string;
  source: string;
  /** Self-Instruct rounds without documents: no {chunk}. */
  selfInstruct: boolean;
  format: string;
}

/** The built-in template, or the user's text checked: it must use {chunk} with documents, and only known placeholders. */
export function promptTemplate(style: SynthStyle, selfInstruct: boolean, user?: { text: string; source: string }): PromptTemplate {
  const format = selfInstruct && style !== 'qa' ? FORMATS['self-instruct'] : FORMATS[style];
  if (!user) return { text: selfInstruct ? SELF_INSTRUCT_PROMPT : DOCUMENT_PROMPTS[style], source: 'built-in', selfInstruct, format };
  const used = templatePlaceholders(user.text, user.source);
  const unknown = used.filter((name) => !(PROMPT_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new TunaInputError(`${user.source}: unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}; a prompt template may use ${PROMPT_PLACEHOLDERS.map((n) => `{${n}}`).join(', ')}.`);
  }
  if (!selfInstruct && !used.includes('chunk')) throw new TunaInputError(`${user.source}: the prompt template has no {chunk} placeholder, so the model would never see the document. Put {chunk} where the excerpt goes.`);
  return { text: user.text, source: user.source, selfInstruct, format };
}

export interface PromptValues {
  chunk?: string;
  file?: string;
  n: number;
  /** In-context examples, one JSON object a line. */
  examples: string[];
}

export function renderPrompt(template: PromptTemplate, values: PromptValues): string {
  const examples = values.examples.length === 0 ? '' : template.selfInstruct ? values.examples.join('\n') : `\nTasks in the style wanted:\n${values.examples.join('\n')}\n`;
  const text = fillPlaceholders(
    template.text,
    { chunk: values.chunk ?? '', file: values.file ?? '', n: String(values.n), examples, format: template.format },
    template.source,
  );
  return text.replace(/\n{3,}/g, '\n\n');
}
