/**
 * Reads a Hugging Face config.json into a typed, camelCase config chosen by
 * `model_type`, with transformers' defaults; unknown keys stay in `raw`.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { TunaInputError } from '../errors.js';
import { gpt2Schema, gptNeoxSchema, llamaSchema, mistralSchema, qwen2Schema } from './hf-config-schemas.js';
import type { Gpt2Config, GptNeoxConfig, LlamaConfig, MistralConfig, Qwen2Config } from './hf-config-schemas.js';

export type {
  CommonModelConfig,
  Gpt2Config,
  GptNeoxConfig,
  LlamaConfig,
  LlamaFamilyConfig,
  MistralConfig,
  Qwen2Config,
} from './hf-config-schemas.js';
export type { RopeConfig, RopeScaling } from './hf-config-rope.js';

type Parsed = LlamaConfig | MistralConfig | Qwen2Config | Gpt2Config | GptNeoxConfig;

/** A parsed config plus the JSON it came from (every key, including ones Tuna ignores). */
export type HfModelConfig = Parsed & { raw: Record<string, unknown> };

const SCHEMAS = {
  llama: llamaSchema,
  mistral: mistralSchema,
  qwen2: qwen2Schema,
  gpt2: gpt2Schema,
  gpt_neox: gptNeoxSchema,
} satisfies Record<Parsed['modelType'], z.ZodType<Parsed>>;

export type SupportedModelType = keyof typeof SCHEMAS;
export const SUPPORTED_MODEL_TYPES = Object.keys(SCHEMAS) as SupportedModelType[];

/** Reads `config.json` from a model folder, or the given JSON file. */
export async function readHfConfig(folderOrFile: string): Promise<HfModelConfig> {
  const file = (await isFolder(folderOrFile)) ? join(folderOrFile, 'config.json') : folderOrFile;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TunaInputError(`${file}: no such file; a model folder needs a config.json`);
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TunaInputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return parseHfConfig(json, file);
}

/** Validates an already-parsed config.json; `file` only names it in errors. */
export function parseHfConfig(json: unknown, file: string): HfModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TunaInputError(`${file}: expected a JSON object`);
  }
  const raw = json as Record<string, unknown>;
  const modelType = raw['model_type'];
  if (typeof modelType !== 'string') {
    throw new TunaInputError(
      `${file}: field "model_type" is missing or not a string; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}`,
    );
  }
  if (!Object.hasOwn(SCHEMAS, modelType)) {
    throw new TunaInputError(
      `${file}: model_type "${modelType}" is not supported; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}`,
    );
  }
  const result = SCHEMAS[modelType as SupportedModelType].safeParse(raw, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.map(describeIssue);
    throw new TunaInputError(`${file} (model_type "${modelType}"): ${problems.join('; ')}`);
  }
  return { ...result.data, raw };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.join('.');
  if (issue.code === 'custom') return `field "${field}": ${issue.message}`; // our own checks write the whole message
  const got = 'input' in issue && issue.input !== undefined ? `, got ${JSON.stringify(issue.input)}` : '';
  if (issue.code === 'invalid_type') return `field "${field}": expected ${issue.expected}${got}`;
  if (issue.code === 'invalid_union') {
    const expected = issue.errors.map(([first]) => (first && 'expected' in first ? first.expected : '?'));
    return `field "${field}": expected ${expected.join(' or ')}${got}`;
  }
  return `field "${field}": ${issue.message}${got}`;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
