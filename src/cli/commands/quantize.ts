import { z } from 'zod';
import { saveQuantizedModel } from '../../adapters/nf4/quantize-model.js';
import { resolveModel } from '../../io/hub.js';
import { CausalLM } from '../../models/model.js';
import { defineCommand } from '../command.js';

export const quantizeCommand = defineCommand({
  name: 'quantize',
  summary: 'Write a 4-bit (bitsandbytes NF4) copy of a model for QLoRA',
  schema: z.object({
    model: z.string().describe('Model folder or Hub id'),
    out: z.string().describe('Folder for the 4-bit model'),
    blocksize: z.number().int().default(64).describe('NF4 block size (32 to 4096, a power of two)'),
    doubleQuant: z.boolean().default(true).describe('Quantize the block scales too (--no-double-quant turns it off)'),
  }),
  json: true,
  async run(options, ctx) {
    const model = await CausalLM.load(await resolveModel(options.model));
    if (model.isQuantized) ctx.log('the model is already stored in 4 bits; writing it again as it is');
    else model.quantizeLinearWeights({ blocksize: options.blocksize, doubleQuant: options.doubleQuant });
    await saveQuantizedModel(model, options.out, options);
    let codes = 0;
    for (const q of model.quantized.values()) codes += q.packed.length;
    ctx.log(`quantized ${model.quantized.size} linear layers (${(codes / 1e6).toFixed(1)} MB of codes) into ${options.out}`);
    if (ctx.json) process.stdout.write(`${JSON.stringify({ out: options.out, layers: model.quantized.size })}\n`);
  },
});
