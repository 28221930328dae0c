import type { DatasetFormat } from './dataset-format.js';
import type { Example, FieldsExample, PairExample } from './example.js';
import { normalizeConversations, normalizeMessages } from './normalize-chat.js';
import { RecordProblem, asObject, optionalText, requiredText } from './record-fields.js';

/** Fields a user template needs, and which one is the trained answer. */
export interface TemplateFields {
  fields: readonly string[];
  answerField: string;
}

function pair(prompt: string, answer: string, context?: string): PairExample {
  return context === undefined ? { kind: 'pair', prompt, answer } : { kind: 'pair', prompt, context, answer };
}

// Alpaca data names the answer `output`, others `response`; `response` wins when both are there.
function instructionAnswerField(record: Record<string, unknown>): string {
  if (record.response !== undefined && record.response !== null) return 'response';
  if (record.output !== undefined && record.output !== null) return 'output';
  throw new RecordProblem('missing field "response" (or "output")');
}

function normalizeFields(record: Record<string, unknown>, template: TemplateFields | undefined): FieldsExample {
  if (!template) throw new RecordProblem('the "fields" format needs a user template that names the fields');
  const fields: Record<string, string> = {};
  for (const name of template.fields) fields[name] = requiredText(record, name);
  return { kind: 'fields', fields, answerField: template.answerField };
}

/**
 * Turns one record into a typed example of the given format.
 * Throws RecordProblem (collected with the line number by normalizeRecords) when it does not fit.
 */
export function normalizeRecord(value: unknown, format: DatasetFormat, template?: TemplateFields): Example {
  const record = asObject(value);
  switch (format) {
    case 'messages':
      return normalizeMessages(record);
    case 'conversations':
      return normalizeConversations(record);
    case 'prompt-completion':
      return pair(requiredText(record, 'prompt'), requiredText(record, 'completion'));
    case 'question-answer':
      return pair(requiredText(record, 'question'), requiredText(record, 'answer'));
    case 'instruction':
      return pair(requiredText(record, 'instruction'), requiredText(record, instructionAnswerField(record)), optionalText(record, 'input'));
    case 'input-output':
      return pair(requiredText(record, 'input'), requiredText(record, 'output'));
    case 'text':
      return { kind: 'text', text: requiredText(record, 'text') };
    case 'fields':
      return normalizeFields(record, template);
  }
}
