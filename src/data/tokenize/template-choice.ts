import { stat } from 'node:fs/promises';
import { TunaInputError } from '../../errors.js';
import type { DatasetFormat } from '../format/dataset-format.js';
import type { ExampleKind } from '../format/example.js';
import { unsupportedExample } from './segments.js';
import type { PromptTemplate } from './segments.js';
import type { ChatRenderer } from '../templates/chat.js';
import { BUILTIN_TEMPLATES, builtinTemplate, defaultTemplateName } from '../templates/index.js';
import { loadUserTemplate } from '../templates/user-template.js';
import type { UserTemplate } from '../templates/user-template.js';

/** A `--template` value: a built-in name, a loaded template file, or nothing (the format's default). */
export type TemplateOption = { builtin?: string; file?: UserTemplate };

/**
 * Reads `--template`: a built-in name as is, otherwise a template file, loaded now because the
 * data must be read with the file's fields. A value that is neither is an error naming both.
 */
export async function readTemplateOption(value: string | undefined): Promise<TemplateOption> {
  if (value === undefined || (BUILTIN_TEMPLATES as readonly string[]).includes(value)) return { builtin: value };
  const info = await stat(value).catch(() => undefined);
  if (!info?.isFile()) return { builtin: builtinTemplate(value).name }; // throws: unknown template
  return { file: await loadUserTemplate(value) };
}

/** The kind of example a format produces. */
export function formatKind(format: DatasetFormat): ExampleKind {
  switch (format) {
    case 'messages':
    case 'conversations':
      return 'chat';
    case 'text':
      return 'text';
    case 'fields':
      return 'fields';
    default:
      return 'pair';
  }
}

/** The template to render a format with; fails at once when the template cannot render that format's examples. */
export function resolveTemplate(option: TemplateOption, format: DatasetFormat, chatRenderer: ChatRenderer | undefined): PromptTemplate {
  const template = option.file ?? builtinTemplate(option.builtin ?? defaultTemplateName(format), chatRenderer ? { chatRenderer } : {});
  const kind = formatKind(format);
  if (!template.supports.includes(kind)) throw unsupportedExample(template.name, kind);
  return template;
}

/** The chat renderer of a tokenizer with a chat template (its jinja template, run by the tokenizer module). */
export function chatRendererOf(tok: {
  hasChatTemplate: boolean;
  applyChatTemplate(messages: readonly { role: string; content: string }[], options: { addGenerationPrompt?: boolean }): string;
}): ChatRenderer | undefined {
  if (!tok.hasChatTemplate) return undefined;
  return (messages, { addGenerationPrompt }) => tok.applyChatTemplate(messages, { addGenerationPrompt });
}

/**
 * A plain question wrapped in a template the way training rendered prompts, so a fine-tuned model
 * sees what it learned (`### Question:\n...\n\n### Answer:\n` for qa, the chat template's
 * generation prompt for chat). A template file must have one field besides the answer.
 */
export function questionPrompt(template: PromptTemplate | UserTemplate, question: string, system?: string): string {
  if (system !== undefined) {
    if (!template.supports.includes('chat')) throw new TunaInputError(`--system needs a chat template; template "${template.name}" has no system message`);
    return template.renderPrompt({ kind: 'chat', messages: [{ role: 'system', content: system }, { role: 'user', content: question }] }).prompt;
  }
  if (template.supports.includes('pair')) return template.renderPrompt({ kind: 'pair', prompt: question, answer: '' }).prompt;
  if ('fields' in template) {
    const inputs = template.fields.filter((f) => f !== template.answerField);
    if (inputs.length !== 1) {
      throw new TunaInputError(`${template.name}: the template has ${inputs.length} fields besides {${template.answerField}} (${inputs.map((f) => `{${f}}`).join(', ')}); a prompt fills exactly one`);
    }
    return template.renderPrompt({ kind: 'fields', fields: { [inputs[0]!]: question, [template.answerField]: '' }, answerField: template.answerField }).prompt;
  }
  throw unsupportedExample(template.name, 'pair');
}
