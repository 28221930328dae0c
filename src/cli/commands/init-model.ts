// `tuna init-model`: writes a randomly initialised model folder to try the tools offline.
import { z } from 'zod';
import { INIT_ARCHITECTURES, INIT_PRESETS, initModel } from '../../models/init-model.js';
import { defineCommand } from '../command.js';

export const initModelSchema = z.object({
  arch: z.enum(INIT_ARCHITECTURES).describe('architecture (config.json model_type)'),
  preset: z.enum(INIT_PRESETS).default('tiny').describe('size: tiny (hidden 64, 2 layers, vocab 512) or small (hidden 256, 6 layers, vocab 2048)'),
  out: z.string().min(1).describe('folder to write the model to'),
  seed: z.number().int().min(0).max(0xffffffff).default(0).describe('random seed; the same seed writes the same bytes'),
  force: z.boolean().default(false).describe('replace the output folder if it has files in it'),
});

export const initModelCommand = defineCommand({
  name: 'init-model',
  summary: 'Write a randomly initialised Hugging Face model folder (weights, config, tokenizer)',
  schema: initModelSchema,
  json: true,
  async run(options, ctx) {
    const result = await initModel({ arch: options.arch, preset: options.preset, out: options.out, seed: options.seed, overwrite: options.force });
    if (ctx.json) {
      process.stdout.write(`${JSON.stringify({
        dir: result.dir, arch: result.arch, preset: result.preset, parameters: result.parameters, vocab_size: result.vocabSize, files: result.files,
      })}\n`);
      return;
    }
    const millions = (result.parameters / 1e6).toFixed(2);
    ctx.log(`wrote a random ${result.arch} model (${result.preset}, ${millions}M parameters, vocabulary ${result.vocabSize}) to ${result.dir}`);
  },
});
