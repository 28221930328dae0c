import { readFile } from 'node:fs/promises';
import { TunaInputError } from '../../errors.js';
import type { Example, FieldsExample } from '../format/example.js';
import type { TemplateFields } from '../format/normalize-record.js';
import { mergeSegments, unsupportedExample } from '../tokenize/segments.js';
import type { PromptAndReference, PromptTemplate, RenderedExample } from '../tokenize/segments.js';
import { decodeUtf8File } from '../load/utf8-text.js';

/** Placeholders that mark the trained answer, in the order they are looked for. */
export const ANSWER_PLACEHOLDERS = ['answer', 'response', 'output', 'completion'] as const;

type Part = { literal: string } | { field: string };

/** A parsed template file: its parts, the fields it needs and the answer field. */
export interface UserTemplate extends PromptTemplate, TemplateFields {}

// `{name}` is a placeholder; `{{` and `}}` are literal braces.
function parseParts(text: string, source: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const pair = text.slice(i, i + 2);
    if (pair === '{{' || pair === '}}') {
      literal += pair[0];
      i++;
    } else if (text[i] === '{') {
      const match = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(i));
      if (!match) throw new TunaInputError(`${source}: "{" at offset ${i} does not start a {field} placeholder; write {{ for a literal brace.`);
      if (literal !== '') parts.push({ literal });
      literal = '';
      parts.push({ field: match[1]! });
      i += match[0].length - 1;
    } else if (text[i] === '}') {
      throw new TunaInputError(`${source}: "}" at offset ${i} closes no placeholder; write }} for a literal brace.`);
    } else literal += text[i];
  }
  if (literal !== '') parts.push({ literal });
  return parts;
}

/** The `{name}` placeholders of a text, in order of first use. */
export function templatePlaceholders(text: string, source = 'template'): string[] {
  return [...new Set(parseParts(text, source).flatMap((part) => ('field' in part ? [part.field] : [])))];
}

/** Fills the `{name}` placeholders of a text (`{{` and `}}` are literal braces); an unknown name is an input error. */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>, source = 'template'): string {
  return parseParts(text, source)
    .map((part) => {
      if ('literal' in part) return part.literal;
      const value = values[part.field];
      if (value === undefined) throw new TunaInputError(`${source}: unknown placeholder {${part.field}}; the placeholders are ${Object.keys(values).map((k) => `{${k}}`).join(', ')}.`);
      return value;
    })
    .join('');
}

function findAnswer(parts: Part[], source: string): number {
  const answers = parts.flatMap((part, index) => ('field' in part && (ANSWER_PLACEHOLDERS as readonly string[]).includes(part.field) ? [index] : []));
  const names = ANSWER_PLACEHOLDERS.map((n) => `{${n}}`).join(', ');
  if (answers.length === 0) throw new TunaInputError(`${source}: the template has no answer placeholder; put one of ${names} where the trained text goes.`);
  if (answers.length > 1) throw new TunaInputError(`${source}: the template has ${answers.length} answer placeholders; keep exactly one of ${names}.`);
  const index = answers[0]!;
  if (parts.slice(index + 1).some((part) => 'field' in part)) {
    throw new TunaInputError(`${source}: a placeholder follows the answer placeholder; the answer must be the last field (only fixed text may follow it).`);
  }
  return index;
}

function fill(parts: readonly Part[], fields: Record<string, string>): string {
  return parts.map((part) => ('literal' in part ? part.literal : fields[part.field]!)).join('');
}

/**
 * A template from text with `{field}` placeholders. Everything before the answer placeholder
 * ({answer}, {response}, {output} or {completion}) is the prompt; the answer and any fixed text
 * after it (a closing marker, say) are trained, then EOS.
 */
export function parseUserTemplate(text: string, source = 'template'): UserTemplate {
  const parts = parseParts(text, source);
  const answerIndex = findAnswer(parts, source);
  const answerField = (parts[answerIndex] as { field: string }).field;
  const promptParts = parts.slice(0, answerIndex);
  const trainedParts = parts.slice(answerIndex);
  const fields = [...new Set(parts.flatMap((part) => ('field' in part ? [part.field] : [])))];
  const asFields = (example: Example): FieldsExample => {
    if (example.kind !== 'fields') throw unsupportedExample(source, example.kind);
    return example;
  };
  return {
    name: source,
    supports: ['fields'],
    fields,
    answerField,
    render(example: Example): RenderedExample {
      const { fields: values } = asFields(example);
      return {
        segments: mergeSegments([
          { text: fill(promptParts, values), trained: false },
          { text: fill(trainedParts, values), trained: true },
        ]),
        appendEos: true,
      };
    },
    renderPrompt(example: Example): PromptAndReference {
      const { fields: values } = asFields(example);
      return { prompt: fill(promptParts, values), reference: values[answerField]! };
    },
  };
}

/** Reads a template file (UTF-8). One final newline, which editors add, is not part of the template. */
export async function loadUserTemplate(file: string): Promise<UserTemplate> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new TunaInputError(`${file}: cannot read the template file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  const text = decodeUtf8File(bytes, file).replace(/\r?\n$/, '');
  return parseUserTemplate(text.replace(/\r\n/g, '\n'), file);
}
