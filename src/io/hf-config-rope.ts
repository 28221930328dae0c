/**
 * Rotary embedding settings from a config.json, in both spellings transformers
 * writes: v4 `rope_theta` + `rope_scaling` and v5 `rope_parameters`.
 */
import { z } from 'zod';

export type RopeScaling =
  | { type: 'linear'; factor: number }
  /** NTK-aware scaling applied once the sequence outgrows the original length. */
  | { type: 'dynamic'; factor: number; originalMaxPositionEmbeddings: number | null }
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositionEmbeddings: number;
    };

export interface RopeConfig {
  theta: number;
  /** Null for plain RoPE (`rope_type: "default"` or no scaling). */
  scaling: RopeScaling | null;
}

export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'dynamic', 'llama3'] as const;

const positive = z.number().positive();
const positiveInt = z.number().int().positive();

const ropeFields = z.object({
  rope_type: z.string().optional(),
  type: z.string().optional(), // older spelling of rope_type
  rope_theta: positive.optional(),
  factor: positive.optional(),
  low_freq_factor: positive.optional(),
  high_freq_factor: positive.optional(),
  original_max_position_embeddings: positiveInt.optional(),
  partial_rotary_factor: z.number().gt(0).lte(1).optional(),
});

const linear = z.object({ factor: positive });
const dynamic = z.object({ factor: positive, original_max_position_embeddings: positiveInt.optional() });
const llama3 = z.object({
  factor: positive,
  low_freq_factor: positive,
  high_freq_factor: positive,
  original_max_position_embeddings: positiveInt,
});

/** The rope part of a config: `rope_scaling` wins over `rope_parameters`, as in transformers v5. */
export const ropeSourceSchema = z.object({
  rope_theta: positive.optional(),
  rope_scaling: ropeFields.nullish(),
  rope_parameters: ropeFields.nullish(),
});

export type RopeSource = z.infer<typeof ropeSourceSchema>;

/**
 * Resolves theta and scaling. `ctx` receives issues under the field that held them;
 * `defaultTheta` stands for the model's own default (`rotary_emb_base` for GPT-NeoX).
 */
export function resolveRope(source: RopeSource, defaultTheta: number, ctx: z.RefinementCtx): RopeConfig {
  const key = source.rope_scaling ? 'rope_scaling' : 'rope_parameters';
  const fields = source.rope_scaling ?? source.rope_parameters ?? {};
  const theta = fields.rope_theta ?? source.rope_theta ?? defaultTheta;
  const type = fields.rope_type ?? fields.type ?? 'default';
  const check = <T>(schema: z.ZodType<T>): T | null => {
    const parsed = schema.safeParse(fields, { reportInput: true });
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const message =
        issue.input === undefined
          ? `missing; rope type "${type}" needs it`
          : `${issue.message.replace(/^Invalid input: /, '')}, got ${JSON.stringify(issue.input)}`;
      ctx.addIssue({ code: 'custom', path: [key, ...issue.path], message });
    }
    return null;
  };
  switch (type) {
    case 'default':
      return { theta, scaling: null };
    case 'linear': {
      const value = check(linear);
      return { theta, scaling: value && { type: 'linear', factor: value.factor } };
    }
    case 'dynamic': {
      const value = check(dynamic);
      const scaling = value && {
        type: 'dynamic' as const,
        factor: value.factor,
        originalMaxPositionEmbeddings: value.original_max_position_embeddings ?? null,
      };
      return { theta, scaling };
    }
    case 'llama3': {
      const value = check(llama3);
      const scaling = value && {
        type: 'llama3' as const,
        factor: value.factor,
        lowFreqFactor: value.low_freq_factor,
        highFreqFactor: value.high_freq_factor,
        originalMaxPositionEmbeddings: value.original_max_position_embeddings,
      };
      return { theta, scaling };
    }
    default:
      ctx.addIssue({
        code: 'custom',
        path: [key, fields.rope_type !== undefined ? 'rope_type' : 'type'],
        message: `rope type ${JSON.stringify(type)} is not supported; supported: ${SUPPORTED_ROPE_TYPES.join(', ')}`,
      });
      return { theta, scaling: null };
  }
}
