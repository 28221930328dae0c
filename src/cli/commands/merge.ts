import { z } from 'zod';
import { loadAdapter } from '../../adapters/lora/adapter-files.js';
import { mergeAdapter } from '../../adapters/lora/merge.js';
import { resolveModel } from '../../io/hub.js';
import { CausalLM } from '../../models/model.js';
import { saveModelFolder } from '../../models/save.js';
import { Runtime } from '../../runtime/runtime.js';
import { defineCommand } from '../command.js';

export const mergeCommand = defineCommand({
  name: 'merge',
  summary: 'Merge a LoRA adapter into its base and write a Hugging Face model folder',
  schema: z.object({
    model: z.string().describe('Base model folder or Hub id'),
    adapter: z.string().describe('Adapter folder (PEFT layout, e.g. RUN/adapter)'),
    out: z.string().describe('Folder for the merged model'),
  }),
  json: true,
  async run(options, ctx) {
    const rt = new Runtime();
    try {
      const base = await CausalLM.load(await resolveModel(options.model));
      const { lora, extra } = await loadAdapter(base, options.adapter);
      if (base.isQuantized) {
        ctx.log('the base is stored in 4 bits: merging into its dequantized float32 weights (merging into 4-bit weights would lose the adapter\'s precision)');
      }
      const merged = await mergeAdapter(rt, lora, base.floatWeights(), extra);
      await saveModelFolder(base, merged, options.out);
      ctx.log(`merged ${lora.modules.length} adapted modules (r=${lora.config.r}, scale ${lora.scale}) into ${options.out}`);
      if (ctx.json) process.stdout.write(`${JSON.stringify({ out: options.out, modules: lora.modules.length, scale: lora.scale })}\n`);
    } finally {
      await rt.close();
    }
  },
});
