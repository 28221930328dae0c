// `tuna generate`: continue a prompt (or answer it as a chat) with a local or Hub model,
// streaming the text to stdout as it is generated.
import { z } from 'zod';
import { TunaInputError } from '../../errors.js';
import { questionPrompt, readTemplateOption } from '../../data/index.js';
import { builtinTemplate } from '../../data/templates/index.js';
import { chatMessages, generateText, type GenerateTextResult } from '../../generate/index.js';
import { resolveModel } from '../../io/hub.js';
import { CausalLM } from '../../models/model.js';
import { Runtime } from '../../runtime/runtime.js';
import { loadTokenizer } from '../../tokenizer/index.js';
import { uploadAdapter } from '../../generate/resident-adapter.js';
import { defineCommand } from '../command.js';

export const generateSchema = z.object({
  model: z.string().min(1).describe('model folder, or Hugging Face Hub id (org/name)'),
  prompt: z.string().describe('text to continue (with --chat: the user message)'),
  adapter: z.string().optional().describe('LoRA adapter folder to generate with on top of --model'),
  chat: z.boolean().default(false).describe("wrap the prompt in the model's chat template and answer it"),
  template: z.string().min(1).optional().describe('wrap the prompt (a plain question) in the template used for training: qa, alpaca, chat, plain or a template file'),
  system: z.string().optional().describe('system message for --chat or --template chat'),
  maxNewTokens: z.number().int().min(1).default(128).describe('most tokens to generate'),
  temperature: z.number().min(0).default(0).describe('sampling temperature; 0 picks the most likely token'),
  topK: z.number().int().min(0).default(0).describe('sample from the k most likely tokens only (0: all)'),
  topP: z.number().gt(0).max(1).default(1).describe('sample from the smallest set of tokens whose probability reaches p'),
  seed: z.number().int().min(0).default(0).describe('random seed for sampling'),
  stop: z.array(z.string()).optional().describe('strings that end the generation (not printed)'),
});

export type GenerateCommandOptions = z.infer<typeof generateSchema>;

export interface GenerateIo {
  /** Receives the generated text piece by piece. */
  write?: (text: string) => void;
  /** Human-readable status (loading, speed). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Everything `tuna generate` does, as a library call. */
export async function runGenerate(options: GenerateCommandOptions, io: GenerateIo = {}): Promise<GenerateTextResult> {
  if (options.system !== undefined && !options.chat && options.template !== 'chat') throw new TunaInputError('--system is only used with --chat; add --chat or drop --system');
  if (options.chat && options.template !== undefined && options.template !== 'chat') throw new TunaInputError(`--chat and --template ${options.template} each wrap the prompt; keep one`);
  const template = options.template === undefined || options.template === 'chat' ? undefined : await readTemplateOption(options.template);
  const dir = await resolveModel(options.model, {
    onProgress: (p) => io.log?.(`downloading ${p.file}: ${(p.bytesDone / 1e6).toFixed(1)} of ${(p.bytesTotal / 1e6).toFixed(1)} MB`),
  });
  const model = await CausalLM.load(dir);
  const tokenizer = await loadTokenizer(dir);
  const rt = new Runtime();
  try {
    const prompt = options.chat || options.template === 'chat'
      ? { messages: chatMessages(options.prompt, options.system) }
      : template ? questionPrompt(template.file ?? builtinTemplate(template.builtin!), options.prompt) : options.prompt;
    const adapter = options.adapter ? (await uploadAdapter(rt, model, 'generate', options.adapter)).adapter : undefined;
    return await generateText(rt, model, tokenizer, prompt, {
      adapter,
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature,
      topK: options.topK,
      topP: options.topP,
      seed: options.seed,
      stop: options.stop,
      onText: io.write,
      signal: io.signal,
    });
  } finally {
    await rt.close();
  }
}

export const generateCommand = defineCommand({
  name: 'generate',
  summary: 'Generate text from a prompt with a model folder or Hub model',
  schema: generateSchema,
  json: true,
  async run(options, ctx) {
    const status = (line: string) => process.stderr.write(`${line}\n`);
    const result = await runGenerate(options, {
      write: ctx.json ? undefined : (text) => process.stdout.write(text),
      log: status,
      signal: ctx.signal,
    });
    if (ctx.json) {
      const { text, tokens, promptTokens, completionTokens, seconds } = result;
      process.stdout.write(`${JSON.stringify({ text, tokens, prompt_tokens: promptTokens, completion_tokens: completionTokens, seconds })}\n`);
      return;
    }
    process.stdout.write('\n');
    const rate = result.completionTokens / Math.max(result.seconds, 1e-9);
    status(`[${result.promptTokens} prompt tokens, ${result.completionTokens} new tokens, ${result.seconds.toFixed(2)} s, ${rate.toFixed(1)} tokens/s, ${result.finishReason}]`);
  },
});
