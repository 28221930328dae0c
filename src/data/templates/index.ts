import { TunaInputError } from '../../errors.js';
import type { DatasetFormat } from '../format/dataset-format.js';
import type { PromptTemplate } from '../tokenize/segments.js';
import { alpacaTemplate } from './alpaca.js';
import { chatTemplate } from './chat.js';
import type { ChatRenderer } from './chat.js';
import { plainTemplate } from './plain.js';
import { qaTemplate } from './qa.js';

export const BUILTIN_TEMPLATES = ['qa', 'alpaca', 'plain', 'chat'] as const;
export type BuiltinTemplateName = (typeof BUILTIN_TEMPLATES)[number];

/** The template a format gets when none is chosen. */
export function defaultTemplateName(format: DatasetFormat): BuiltinTemplateName {
  switch (format) {
    case 'messages':
    case 'conversations':
      return 'chat';
    case 'question-answer':
      return 'qa';
    case 'instruction':
      return 'alpaca';
    case 'prompt-completion':
    case 'input-output':
    case 'text':
      return 'plain';
    case 'fields':
      throw new TunaInputError('records read for a template file are rendered by that file; pass it with --template.');
  }
}

/** A built-in template by name; `chat` needs the model's chat renderer. */
export function builtinTemplate(name: string, options: { chatRenderer?: ChatRenderer } = {}): PromptTemplate {
  switch (name) {
    case 'qa':
      return qaTemplate;
    case 'alpaca':
      return alpacaTemplate;
    case 'plain':
      return plainTemplate;
    case 'chat':
      if (!options.chatRenderer) {
        throw new TunaInputError('template "chat" needs a model with a chat template (tokenizer_config.json "chat_template" or chat_template.jinja).');
      }
      return chatTemplate(options.chatRenderer);
    default:
      throw new TunaInputError(`--template "${name}": unknown template. Use one of ${BUILTIN_TEMPLATES.join(', ')}, or a path to a template file.`);
  }
}
