// `tuna export`: a fine-tuned model as GGUF for llama.cpp and Ollama.
import { z } from 'zod';
import { exportLoraGguf, exportModelGguf } from '../../export/export-gguf.js';
import { resolveModel } from '../../io/hub.js';
import { UsageError } from '../errors.js';
import { defineCommand } from '../command.js';

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'Write a model (with its adapter merged) or an adapter alone as GGUF for llama.cpp and Ollama',
  schema: z.object({
    model: z.string().describe('Base model folder or Hub id'),
    adapter: z.string().optional().describe('LoRA adapter folder: merged into the model (gguf), or written alone (gguf-lora)'),
    format: z.enum(['gguf', 'gguf-lora']).default('gguf').describe('gguf: the whole model; gguf-lora: the adapter alone, for llama.cpp --lora'),
    type: z.enum(['f32', 'f16', 'q8_0']).default('f16').describe('Tensor type of the weight matrices (norms and biases stay f32)'),
    out: z.string().describe('The .gguf file to write'),
  }),
  json: true,
  async run(options, ctx) {
    if (options.format === 'gguf-lora' && !options.adapter) throw new UsageError('--format gguf-lora writes an adapter: give --adapter DIR');
    const model = await resolveModel(options.model);
    const started = performance.now();
    const result = options.format === 'gguf'
      ? await exportModelGguf({ model, adapter: options.adapter, out: options.out, type: options.type })
      : await exportLoraGguf({ model, adapter: options.adapter!, out: options.out, type: options.type });
    const seconds = (performance.now() - started) / 1000;
    for (const note of result.notes) ctx.log(`note: ${note}`);
    const types = Object.entries(result.types).map(([t, n]) => `${n} ${t}`).join(', ');
    ctx.log(`wrote ${options.out}: ${(result.bytes / 1e6).toFixed(1)} MB, ${result.tensors} tensors (${types}) in ${seconds.toFixed(1)} s`);
    if (ctx.json) process.stdout.write(`${JSON.stringify({ ...result, seconds: Math.round(seconds * 100) / 100 })}\n`);
  },
});
