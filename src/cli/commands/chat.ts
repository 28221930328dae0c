// An interactive chat in the terminal with the model's chat template: replies stream as they are
// generated, /help lists the commands, /reset clears the conversation, /exit leaves, Ctrl-C stops a
// reply without leaving.
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { generateText } from '../../generate/generate-text.js';
import { uploadAdapter } from '../../generate/resident-adapter.js';
import { resolveModel } from '../../io/hub.js';
import { CausalLM } from '../../models/model.js';
import { Runtime } from '../../runtime/runtime.js';
import { loadTokenizer, type ChatMessage } from '../../tokenizer/index.js';
import { UsageError } from '../errors.js';
import { defineCommand } from '../command.js';

const schema = z.object({
  model: z.string().describe('Model folder or Hub id'),
  adapter: z.string().optional().describe('LoRA adapter folder to chat with on top of --model'),
  system: z.string().optional().describe('System message at the start of the conversation'),
  maxNewTokens: z.number().int().positive().default(256).describe('Longest reply in tokens'),
  temperature: z.number().min(0).default(0.7).describe('Sampling temperature (0 picks the most likely token)'),
  topP: z.number().gt(0).max(1).default(0.9).describe('Nucleus sampling: keep the smallest set of tokens reaching this probability'),
  seed: z.number().int().optional().describe('Seed for sampling'),
});

/** The chat's own commands; a line starting with one of them is not sent to the model. */
export const CHAT_COMMANDS: [string, string][] = [
  ['/help', 'list these commands'],
  ['/reset', 'clear the conversation (the system message stays)'],
  ['/exit', 'leave (also /quit, or Ctrl-D)'],
];

const helpText = () => `${CHAT_COMMANDS.map(([name, what]) => `  ${name.padEnd(8)}${what}`).join('\n')}\n  Ctrl-C    stop the reply being written\n`;

export const chatCommand = defineCommand({
  name: 'chat',
  summary: 'Chat with a model (and adapter) in the terminal',
  schema,
  async run(options) {
    const dir = await resolveModel(options.model);
    const tokenizer = await loadTokenizer(dir);
    if (!tokenizer.hasChatTemplate) throw new UsageError(`${dir}: the tokenizer has no chat template; use \`tuna generate\` for plain text`);
    const model = await CausalLM.load(dir);
    const rt = new Runtime();
    const adapter = options.adapter ? (await uploadAdapter(rt, model, 'chat', options.adapter)).adapter : undefined;
    const tty = Boolean(process.stdin.isTTY);
    const history: ChatMessage[] = options.system ? [{ role: 'system', content: options.system }] : [];
    let reply: AbortController | null = null;
    // Ctrl-C stops the reply being written; at the prompt it leaves.
    process.removeAllListeners('SIGINT');
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty, prompt: tty ? 'you> ' : '' });
    const onInterrupt = () => {
      if (reply) reply.abort();
      else rl.close();
    };
    rl.on('SIGINT', onInterrupt);
    process.on('SIGINT', onInterrupt);
    if (tty) process.stdout.write(`chatting with ${options.adapter ?? options.model} (/help lists the commands)\n`);
    rl.prompt();
    let seed = options.seed ?? 0;
    try {
      for await (const line of rl) {
        const text = line.trim();
        if (text === '/exit' || text === '/quit') break;
        if (text === '/help' || text === '/?') {
          process.stdout.write(helpText());
          rl.prompt();
          continue;
        }
        if (/^\/[a-z?]+$/i.test(text) && !CHAT_COMMANDS.some(([name]) => name === text)) {
          process.stdout.write(`unknown command ${text}; /help lists the commands\n`);
          rl.prompt();
          continue;
        }
        if (text === '/reset') {
          history.splice(options.system ? 1 : 0);
          process.stdout.write('(conversation cleared)\n');
          rl.prompt();
          continue;
        }
        if (!text) {
          rl.prompt();
          continue;
        }
        history.push({ role: 'user', content: text });
        reply = new AbortController();
        if (tty) process.stdout.write('assistant> ');
        const result = await generateText(rt, model, tokenizer, { messages: history }, {
          maxNewTokens: options.maxNewTokens, temperature: options.temperature, topP: options.topP, seed: seed++,
          signal: reply.signal, adapter, onText: (piece) => process.stdout.write(piece),
        });
        const stopped = reply.signal.aborted;
        reply = null;
        process.stdout.write(stopped ? ' [stopped]\n' : '\n');
        history.push({ role: 'assistant', content: result.text });
        rl.prompt();
      }
    } finally {
      rl.close();
      await rt.close();
    }
  },
});
