import { Template } from '@huggingface/jinja';
import { TunaInputError } from '../errors.js';

/** A chat message as templates see it; content may also be a list of parts for multimodal templates. */
export interface ChatMessage {
  role: string;
  content: unknown;
  [key: string]: unknown;
}

/** The model's chat templates by name ('default' for a single one) and the file each came from. */
export interface ChatTemplates {
  byName: Map<string, string>;
  source: string;
}

/**
 * Reads templates as transformers does: a separate chat_template.jinja wins over tokenizer_config's
 * `chat_template`, which is a string or a list of `{name, template}`.
 */
export function readChatTemplates(
  configValue: unknown,
  configPath: string,
  jinjaFile: { path: string; text: string } | undefined,
): ChatTemplates | undefined {
  if (jinjaFile) return { byName: new Map([['default', jinjaFile.text]]), source: jinjaFile.path };
  if (configValue === undefined || configValue === null) return undefined;
  const source = `${configPath} (chat_template)`;
  if (typeof configValue === 'string') return { byName: new Map([['default', configValue]]), source };
  const entries: [unknown, unknown][] = Array.isArray(configValue)
    ? configValue.map((item) => [item?.name, item?.template])
    : typeof configValue === 'object'
      ? Object.entries(configValue)
      : [];
  if (entries.length === 0) {
    throw new TunaInputError(`${configPath}: "chat_template" must be a string or a list of {name, template}`);
  }
  const byName = new Map<string, string>();
  for (const [name, template] of entries) {
    if (typeof name !== 'string' || typeof template !== 'string') {
      throw new TunaInputError(`${configPath}: each "chat_template" entry needs a "name" and a "template" string`);
    }
    byName.set(name, template);
  }
  return { byName, source };
}

/** Picks a template like transformers' get_chat_template: by name, else 'tool_use' when tools are given, else 'default'. */
export function selectChatTemplate(
  templates: ChatTemplates | undefined,
  options: { name?: string; hasTools: boolean },
  folder: string,
): { name: string; text: string; source: string } {
  if (!templates) {
    throw new TunaInputError(
      `${folder}: the tokenizer has no chat template (no chat_template in tokenizer_config.json, no chat_template.jinja); ` +
        'add one or format the prompt yourself',
    );
  }
  const names = [...templates.byName.keys()];
  const name =
    options.name ?? (options.hasTools && templates.byName.has('tool_use') ? 'tool_use' : templates.byName.has('default') ? 'default' : undefined);
  const text = name === undefined ? undefined : templates.byName.get(name);
  if (name === undefined || text === undefined) {
    throw new TunaInputError(
      `${templates.source}: no chat template named "${name ?? 'default'}"; available: ${names.join(', ')}`,
    );
  }
  return { name, text, source: templates.source };
}

/** Parses a template; a syntax error names the file it came from. */
export function compileChatTemplate(text: string, source: string): Template {
  try {
    return new Template(text);
  } catch (error) {
    throw new TunaInputError(`${source}: chat template does not parse: ${(error as Error).message}`);
  }
}

/** Renders with the variables transformers passes: special tokens, messages, tools, documents, add_generation_prompt. */
export function renderChatTemplate(
  template: Template,
  source: string,
  variables: Record<string, unknown>,
): string {
  try {
    return template.render(variables);
  } catch (error) {
    throw new TunaInputError(`${source}: chat template failed: ${(error as Error).message}`);
  }
}
