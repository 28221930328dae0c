import { z } from 'zod';
import { NonFiniteLossError } from '../../train/trainer.js';
import { fineTune } from '../../train/fine-tune.js';
import { Runtime } from '../../runtime/runtime.js';
import { defineCommand } from '../command.js';
import { ProgressBar } from '../progress.js';

const schema = z.object({
  model: z.string().describe('Model folder or Hugging Face Hub id'),
  data: z.string().describe('A folder made by `tuna prepare` (train.jsonl, test.jsonl) or a dataset file (prepared with the default template)'),
  method: z.enum(['lora', 'qlora', 'full']).default('lora').describe('LoRA adapters on a frozen base, LoRA on a 4-bit NF4 base (QLoRA), or every weight'),
  out: z.string().describe('Run folder: checkpoints, metrics.jsonl, config.yaml, loss.svg, and adapter/ or model/'),
  epochs: z.number().int().positive().default(3).describe('Passes over the training set'),
  maxSteps: z.number().int().positive().optional().describe('Stop after this many optimizer steps (overrides --epochs)'),
  lr: z.number().positive().optional().describe('Peak learning rate (default 2e-4 for LoRA, 2e-5 for full)'),
  batchSize: z.number().int().positive().default(4).describe('Examples per micro-batch'),
  gradAccum: z.number().int().positive().default(1).describe('Micro-batches per optimizer step'),
  maxLength: z.number().int().positive().default(512).describe('Longest sequence in tokens; longer examples are truncated'),
  loraR: z.number().int().positive().default(8).describe('LoRA rank'),
  loraAlpha: z.number().positive().default(16).describe('LoRA alpha (the update is scaled by alpha / r)'),
  loraDropout: z.number().min(0).lt(1).default(0.05).describe('Dropout on the LoRA input during training'),
  targetModules: z.array(z.string()).optional().describe('Modules that get adapters (names, or all-linear); default: the architecture\'s attention projections'),
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
  doubleQuant: z.boolean().default(true).describe('QLoRA: quantize the block scales too (--no-double-quant turns it off)'),
});

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'Fine-tune a model with LoRA or full fine-tuning',
  schema,
  json: true,
  async run(options, ctx) {
    const rt = new Runtime();
    const bar = new ProgressBar();
    try {
      const result = await fineTune(rt, options, {
        onLog: (line) => ctx.log(line),
        onStep: (m) => bar.update({ step: m.step, total: m.totalSteps, loss: m.loss, tokensPerSecond: m.tokens_per_s }),
        onEval: (m) => ctx.log(`\nstep ${m.step}: eval loss ${m.evalLoss.toFixed(4)}`),
        signal: ctx.signal,
      });
      bar.done();
      const summary = {
        run: result.runDir, output: result.outputDir, steps: result.steps, interrupted: result.interrupted,
        final_loss: result.finalLoss, eval_loss: result.evalLoss, train_examples: result.trainExamples, eval_examples: result.evalExamples,
      };
      if (ctx.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      if (result.interrupted) ctx.log(`interrupted at step ${result.steps}; resume with --resume latest --out ${result.runDir}`);
      ctx.log(`${options.method === 'full' ? 'model' : 'adapter'} written to ${result.outputDir}`);
      return result.interrupted ? 130 : 0;
    } catch (error) {
      bar.done();
      if (error instanceof NonFiniteLossError) {
        process.stderr.write(`tuna: ${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      await rt.close();
    }
  },
});
