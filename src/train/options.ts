// The options of a fine-tuning run, with their defaults and descriptions: one schema for the
// library (fineTune), `tuna train` flags, YAML config files and the README.
import { z } from 'zod';
import { TunaInputError } from '../errors.js';
import type { CausalLM } from '../models/model.js';

export const trainOptionsSchema = z.object({
  model: z.string().describe('Model folder or Hugging Face Hub id'),
  data: z.string().describe('A folder made by `tuna prepare` (train.jsonl, test.jsonl) or a dataset file (prepared with the default template)'),
  method: z.enum(['lora', 'qlora', 'full']).default('lora').describe('LoRA adapters on a frozen base, LoRA on a 4-bit NF4 base (QLoRA), or every weight'),
  out: z.string().describe('Run folder: checkpoints, metrics.jsonl, config.yaml, loss.svg, and adapter/ or model/'),
  epochs: z.number().int().positive().default(3).describe('Passes over the training set'),
  maxSteps: z.number().int().positive().optional().describe('Stop after this many optimizer steps (overrides --epochs)'),
  lr: z.number().positive().optional().describe('Peak learning rate (default 2e-4 for LoRA, 2e-5 for full)'),
  batchSize: z.number().int().positive().default(4).describe('Examples per micro-batch'),
  gradAccum: z.number().int().positive().default(1).describe('Micro-batches per optimizer step'),
  maxLength: z.number().int().positive().optional().describe("Longest sequence in tokens (default: the model's max_position_embeddings, at most 2048); longer prepared examples are cut"),
  truncation: z.enum(['drop', 'truncate']).default('drop').describe('When --data is a raw dataset file: drop examples longer than --max-length, or truncate them'),
  loraR: z.number().int().positive().default(8).describe('LoRA rank'),
  loraAlpha: z.number().positive().default(16).describe('LoRA alpha (the update is scaled by alpha / r)'),
  loraDropout: z.number().min(0).lt(1).default(0.05).describe('Dropout on the LoRA input during training'),
  targetModules: z.array(z.string()).optional().describe('Modules that get adapters (names separated by spaces or commas, or all-linear); default: the architecture\'s attention projections'),
  modulesToSave: z.array(z.string()).optional().describe('Modules trained in full and saved with the adapter (PEFT modules_to_save), e.g. embed_tokens; spaces or commas'),
  warmup: z.number().min(0).default(0.03).describe('Warmup: a ratio of the steps if below 1, else a number of steps'),
  schedule: z.enum(['cosine', 'linear', 'constant']).default('cosine').describe('Learning-rate schedule after warmup'),
  weightDecay: z.number().min(0).default(0).describe('AdamW weight decay (not applied to norms and biases)'),
  maxGradNorm: z.number().min(0).default(1).describe('Clip gradients to this global norm (0 turns clipping off)'),
  evalEvery: z.number().int().positive().optional().describe('Evaluate on the test split every N steps (and always at the end)'),
  saveEvery: z.number().int().positive().optional().describe('Write a checkpoint every N steps (and always at the end)'),
  keepCheckpoints: z.number().int().positive().default(2).describe('How many of the newest checkpoints to keep'),
  seed: z.number().int().default(42).describe('Seed for initialisation, shuffling and dropout'),
  resume: z.string().optional().describe('Continue from "latest" or a checkpoint folder of this run'),
  template: z.string().optional().describe('Template when --data is a raw dataset file (qa, alpaca, chat, plain or a file)'),
  testSize: z.number().min(0).default(0.1).describe('Held-out fraction when --data is a raw dataset file'),
  quantBlocksize: z.number().int().default(64).describe('QLoRA: NF4 block size (32 to 4096, a power of two)'),
  gradientCheckpointing: z.enum(['auto', 'on', 'selective', 'off']).default('auto')
    .describe('on: recompute each layer in the backward pass instead of keeping its activations (far less memory, about a third more compute); selective: recompute only attention probabilities and activation functions (less memory, about the same speed); auto: on for qlora as in the QLoRA recipe, selective for full, and for lora from 1024 positions (off below)'),
  doubleQuant: z.boolean().default(true).describe('QLoRA: quantize the block scales too (--no-double-quant turns it off)'),
  basePrecision: z.enum(['auto', 'fp32', 'int8', 'nf4']).default('auto')
    .describe('What the frozen base\'s linear layers compute with: fp32 weights; int8 codes with a scale per output feature, multiplied in int8 with each input row quantized on the fly (lora: from the float32 weights; qlora: from the NF4 values); nf4: the 4-bit codes dequantized inside each product (qlora only); auto: fp32 for lora, int8 for qlora'),
});

export type FineTuneOptions = z.output<typeof trainOptionsSchema>;

/** A module list as users type it: `q_proj v_proj`, `q_proj,v_proj` or `q_proj, v_proj` (LLaMA-Factory's form). */
export function moduleList(values: readonly string[] | undefined): string[] | undefined {
  return values?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * The padded length from which LoRA's `auto` recomputes attention probabilities and activations:
 * there the probabilities outgrow the rest of a step's activations. SmolLM2-135M, LoRA q,v, 1 x 1024:
 * 215-221 against 214-228 tok/s and 2.21 against 3.60 GB peak; at 4 x 256 it ran about 4% slower
 * (270-287 against 283-300 tok/s) for 2.09 against 2.33 GB, and at 2 x 512 about 5% slower.
 */
export const LORA_SELECTIVE_FROM_LENGTH = 1024;

/**
 * What the backward pass recomputes for a method: `auto` checkpoints whole layers for QLoRA (the
 * QLoRA recipe), recomputes attention probabilities and activations for full fine-tuning (its
 * weights, gradients and moments already fill memory), and for LoRA only on batches of
 * LORA_SELECTIVE_FROM_LENGTH positions or more (`long`).
 */
export function recomputation(method: FineTuneOptions['method'], setting: FineTuneOptions['gradientCheckpointing']): Recomputation {
  if (setting !== 'auto') return setting;
  return method === 'qlora' ? 'on' : method === 'full' ? 'selective' : 'long';
}

export type Recomputation = 'on' | 'selective' | 'long' | 'off';

/** Sets what the model's training graphs recompute in the backward pass. */
export function applyRecomputation(model: CausalLM, mode: Recomputation): void {
  model.gradientCheckpointing = mode === 'on';
  model.selectiveRecompute = mode === 'selective';
  model.selectiveFromLength = mode === 'long' ? LORA_SELECTIVE_FROM_LENGTH : Infinity;
}
/**
 * What the frozen base computes with for a method: `auto` is fp32 for LoRA and int8 for QLoRA (its
 * NF4 values re-quantized to int8: the fastest measured path, within 1/254 of each feature's
 * largest weight of NF4's values). Full fine-tuning trains the weights in float32.
 */
export function basePrecision(method: FineTuneOptions['method'], setting: FineTuneOptions['basePrecision']): 'fp32' | 'int8' | 'nf4' {
  const chosen = setting === 'auto' ? (method === 'qlora' ? 'int8' : 'fp32') : setting;
  if (method === 'full' && chosen !== 'fp32') throw new TunaInputError(`--base-precision ${setting}: full fine-tuning trains every weight in float32; use --method lora or qlora for a ${chosen} base`);
  if (method === 'lora' && chosen === 'nf4') throw new TunaInputError('--base-precision nf4: a 4-bit NF4 base is QLoRA; use --method qlora');
  if (method === 'qlora' && chosen === 'fp32') throw new TunaInputError('--base-precision fp32: QLoRA\'s base is 4-bit; choose int8 (the default) or nf4, or use --method lora for a float32 base');
  return chosen;
}

export type FineTuneInput = z.input<typeof trainOptionsSchema>;
