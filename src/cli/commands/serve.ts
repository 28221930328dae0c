// `tuna serve`: an OpenAI-compatible HTTP server for a base model and LoRA adapters on it.
import { z } from 'zod';
import { TunaInputError } from '../../errors.js';
import { resolveModel } from '../../io/hub.js';
import { questionPrompt, readTemplateOption } from '../../data/index.js';
import { builtinTemplate } from '../../data/templates/index.js';
import type { PromptWrapper } from '../../serve/completion-handlers.js';
import { ModelEngine } from '../../serve/model-engine.js';
import { startServer } from '../../serve/server.js';
import { defineCommand } from '../command.js';

const schema = z.object({
  model: z.string().describe('Base model: a folder or a Hugging Face Hub id (clients name it by this string)'),
  adapter: z.array(z.string()).optional()
    .describe('A LoRA adapter as NAME=DIR (repeatable); a request picks it with "model": "NAME"'),
  host: z.string().default('127.0.0.1').describe('Address to listen on (0.0.0.0 for every interface)'),
  port: z.number().int().min(0).max(65535).default(8080).describe('Port to listen on (0 picks a free one)'),
  apiKey: z.string().optional().describe('Require "Authorization: Bearer KEY" on every request (default: $TUNA_API_KEY, else none)'),
  template: z.string().min(1).optional()
    .describe('Wrap each /v1/completions text prompt (a plain question) in the template used for training: qa, alpaca, chat, plain or a template file'),
});

/** The wrapper `--template` names; checked before the server starts, so a bad template fails at once. */
export async function promptWrapper(option: string | undefined, engine: ModelEngine): Promise<PromptWrapper | undefined> {
  if (option === undefined) return undefined;
  let wrap: PromptWrapper;
  if (option === 'chat') {
    if (!engine.hasChatTemplate) throw new TunaInputError(`--template chat: the model has no chat template (tokenizer_config.json "chat_template"); use qa, alpaca or a template file`);
    // The chat template writes its own special tokens.
    wrap = (prompt) => ({ text: engine.applyChatTemplate([{ role: 'user', content: prompt }]), addSpecialTokens: false });
  } else {
    const chosen = await readTemplateOption(option);
    const template = chosen.file ?? builtinTemplate(chosen.builtin!);
    wrap = (prompt) => ({ text: questionPrompt(template, prompt), addSpecialTokens: true });
  }
  wrap('check');
  return wrap;
}

/** NAME=DIR pairs, with names unique. */
export function parseAdapters(specs: string[]): Record<string, string> {
  const adapters: Record<string, string> = {};
  for (const spec of specs) {
    const at = spec.indexOf('=');
    const name = spec.slice(0, at).trim();
    const dir = spec.slice(at + 1).trim();
    if (at < 0 || name === '' || dir === '') {
      throw new TunaInputError(`--adapter ${JSON.stringify(spec)}: expected NAME=DIR, e.g. --adapter support=runs/support/adapter`);
    }
    if (adapters[name] !== undefined) throw new TunaInputError(`--adapter: the name "${name}" is given twice; give each adapter its own name`);
    adapters[name] = dir;
  }
  return adapters;
}

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Serve a model and its LoRA adapters over an OpenAI-compatible HTTP API',
  schema,
  async run(options, ctx) {
    const adapters = parseAdapters(options.adapter ?? []);
    const dir = await resolveModel(options.model);
    ctx.log(`loading ${options.model}${Object.keys(adapters).length ? ` with adapters ${Object.keys(adapters).join(', ')}` : ''}`);
    const engine = await ModelEngine.load({ dir, id: options.model, adapters });
    let server;
    try {
      const wrapPrompt = await promptWrapper(options.template, engine);
      server = await startServer(engine, { host: options.host, port: options.port, apiKey: options.apiKey ?? process.env.TUNA_API_KEY, wrapPrompt });
    } catch (error) {
      await engine.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new TunaInputError(`port ${options.port} on ${options.host} is in use; choose another with --port`);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new TunaInputError(`--host ${options.host}: not an address of this machine`);
      throw error;
    }
    // Listening for SIGTERM before saying so: a supervisor may stop the server as soon as it reads the line.
    const stop = new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      process.once('SIGTERM', () => resolve());
    });
    ctx.log(`listening on ${server.url}/v1 (models: ${engine.listModels().map((m) => m.id).join(', ')}); Ctrl-C stops`);
    await stop;
    await server.close();
    await engine.close();
    ctx.log('server stopped');
  },
});
