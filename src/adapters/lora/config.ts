// LoRA configuration with PEFT's field names, defaults and JSON form (peft/tuners/lora/config.py).
import { z } from 'zod';
import { TunaInputError } from '../../errors.js';

export const loraConfigSchema = z.object({
  r: z.number().int().positive().default(8).describe('Rank of the update matrices'),
  loraAlpha: z.number().positive().default(8).describe('Scaling numerator: the update is scaled by loraAlpha / r'),
  loraDropout: z.number().min(0).lt(1).default(0).describe('Dropout probability on the adapter input, training only'),
  targetModules: z
    .union([z.array(z.string()).min(1), z.string()])
    .nullable()
    .default(null)
    .describe('Module names (suffix match), a regular expression (full match), or "all-linear"; null uses the architecture default'),
  bias: z.enum(['none', 'all', 'lora_only']).default('none').describe('Which biases train with the adapter'),
  useRslora: z.boolean().default(false).describe('Scale by loraAlpha / sqrt(r) (rank-stabilised LoRA)'),
  modulesToSave: z.array(z.string()).nullable().default(null).describe('Modules trained in full and saved with the adapter'),
  ensureWeightTying: z.boolean().nullable().default(null)
    .describe('A trained input embedding stays the output head of a tied model (PEFT ensure_weight_tying); null: true exactly when modules_to_save trains a tied embedding'),
  layersToTransform: z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).nullable().default(null)
    .describe('Only these layer indices get adapters'),
  taskType: z.string().default('CAUSAL_LM'),
  fanInFanOut: z.boolean().default(false).describe('The base weight is stored (in, out), as GPT-2 Conv1D'),
  baseModelNameOrPath: z.string().nullable().default(null),
  revision: z.string().nullable().default(null),
  initLoraWeights: z.boolean().default(true),
}).strict();

export type LoraConfigInput = z.input<typeof loraConfigSchema>;
export type LoraConfig = z.output<typeof loraConfigSchema>;

export function loraConfig(input: LoraConfigInput = {}): LoraConfig {
  const parsed = loraConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new TunaInputError(`LoRA config: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The adapter's update scale: alpha / r, or alpha / sqrt(r) with rsLoRA. */
export function loraScale(c: LoraConfig): number {
  return c.useRslora ? c.loraAlpha / Math.sqrt(c.r) : c.loraAlpha / c.r;
}

/**
 * adapter_config.json with the field set PEFT 0.21 writes (keys sorted as its save_pretrained
 * does), minus `peft_version`, which names the PEFT release that wrote a file.
 */
export function toPeftConfigJson(c: LoraConfig, targetModules: string[] | string): Record<string, unknown> {
  const json: Record<string, unknown> = {
    alora_invocation_tokens: null,
    alpha_pattern: {},
    arrow_config: null,
    auto_mapping: null,
    base_model_name_or_path: c.baseModelNameOrPath,
    bias: c.bias,
    corda_config: null,
    ensure_weight_tying: c.ensureWeightTying ?? false,
    eva_config: null,
    exclude_modules: null,
    fan_in_fan_out: c.fanInFanOut,
    inference_mode: true,
    init_lora_weights: c.initLoraWeights,
    kasa_config: null,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: c.layersToTransform,
    loftq_config: {},
    lora_alpha: c.loraAlpha,
    lora_bias: false,
    lora_dropout: c.loraDropout,
    lora_ga_config: null,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: c.modulesToSave,
    monteclora_config: null,
    peft_type: 'LORA',
    qalora_group_size: 16,
    r: c.r,
    rank_pattern: {},
    revision: c.revision,
    target_modules: targetModules,
    target_parameters: null,
    task_type: c.taskType,
    trainable_token_indices: null,
    use_bdlora: null,
    use_dora: false,
    use_qalora: false,
    use_rslora: c.useRslora,
    velora_config: null,
  };
  return Object.fromEntries(Object.entries(json).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Reads a PEFT adapter_config.json; features Tuna does not implement are refused by name. */
export function fromPeftConfigJson(json: Record<string, unknown>, file: string): LoraConfig {
  const fail = (why: string) => new TunaInputError(`${file}: ${why}`);
  if (json.peft_type !== 'LORA') throw fail(`peft_type is ${JSON.stringify(json.peft_type)}; only "LORA" adapters are supported`);
  if (json.use_dora) throw fail('use_dora is true; DoRA adapters are not supported');
  for (const key of ['use_qalora', 'lora_bias', 'use_bdlora'] as const) {
    if (json[key]) throw fail(`${key} is set; that LoRA variant is not supported`);
  }
  for (const key of ['target_parameters', 'trainable_token_indices', 'layer_replication'] as const) {
    if (json[key] !== undefined && json[key] !== null) throw fail(`${key} is set; that PEFT feature is not supported`);
  }
  for (const key of ['rank_pattern', 'alpha_pattern'] as const) {
    const v = json[key];
    if (v && typeof v === 'object' && Object.keys(v).length > 0) throw fail(`${key} is set; per-module ranks and alphas are not supported`);
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return loraConfig({
    r: json.r as number,
    loraAlpha: json.lora_alpha as number,
    loraDropout: (json.lora_dropout as number) ?? 0,
    targetModules: (json.target_modules as string[] | string | null) ?? null,
    bias: (json.bias as 'none') ?? 'none',
    useRslora: Boolean(json.use_rslora),
    modulesToSave: (json.modules_to_save as string[] | null) ?? null,
    // PEFT before 0.18 has no such field and keeps the original head: false, as PEFT reads it.
    ensureWeightTying: json.ensure_weight_tying === true,
    layersToTransform: (json.layers_to_transform as number[] | null) ?? null,
    taskType: str(json.task_type) ?? 'CAUSAL_LM',
    fanInFanOut: Boolean(json.fan_in_fan_out),
    baseModelNameOrPath: str(json.base_model_name_or_path),
    revision: str(json.revision),
    initLoraWeights: json.init_lora_weights !== false,
  });
}
