// `tuna synth DOCS... --out data.jsonl --endpoint URL --model NAME`: training pairs from your
// documents (or from seed tasks, Self-Instruct style), asked of any OpenAI-compatible endpoint.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { loadModelTokenizer } from '../../data/index.js';
import { decodeUtf8File } from '../../data/load/utf8-text.js';
import { TunaInputError } from '../../errors.js';
import { APPROXIMATE_COUNTER, formatSummary, progressExtra, SYNTH_STYLES, synthesize, tokenizerCounter, type SynthSummary } from '../../synth/index.js';
import { defineCommand } from '../command.js';
import { ProgressBar } from '../progress.js';

export const synthSchema = z.object({
  docs: z.array(z.string().min(1)).default([]).describe('documents and folders: .txt, .md, .html, and .jsonl/.json/.csv with FAQ rows, chat transcripts or channel exports'),
  out: z.string().min(1).describe('output JSONL; pairs are appended as they arrive, with a progress log beside it (<out>.progress.jsonl)'),
  endpoint: z.string().min(1).describe('OpenAI-compatible endpoint: a hosted API, vLLM, Ollama, llama.cpp, or `tuna serve` (http://127.0.0.1:8000/v1)'),
  apiKeyEnv: z.string().min(1).default('OPENAI_API_KEY').describe('environment variable that holds the API key; left unset, no key is sent (local servers)'),
  model: z.string().min(1).describe('model name the endpoint serves'),
  perChunk: z.number().int().min(1).max(50).default(5).describe('pairs asked for per chunk (or per Self-Instruct round)'),
  target: z.number().int().min(1).optional().describe('stop once the output holds this many pairs (required without documents)'),
  seedTasks: z.string().min(1).optional().describe('seed tasks (Self-Instruct seed_tasks.jsonl, or rows with instruction and output): in-context examples; without documents, Self-Instruct from them alone'),
  style: z.enum(SYNTH_STYLES).optional().describe('records written: {question, answer}, {instruction, response} or {messages} (default: instruction with --seed-tasks, else qa)'),
  concurrency: z.number().int().min(1).max(64).default(4).describe('requests in flight at once'),
  resume: z.boolean().default(false).describe('continue a run: chunks already done (per the progress log and the output) are skipped'),
  chunkTokens: z.number().int().min(16).default(512).describe('most tokens per chunk'),
  chunkOverlap: z.number().int().min(0).default(64).describe('tokens a chunk repeats from the end of the one before'),
  tokenizer: z.string().min(1).optional().describe('model folder or Hub id whose tokenizer counts chunk tokens (default: 4 characters per token)'),
  prompt: z.string().min(1).optional().describe('prompt template file with {chunk}, {file}, {n}, {examples} and {format} placeholders ({{ and }} for braces)'),
  temperature: z.number().min(0).max(2).default(0.7).describe('sampling temperature of the requests'),
  maxTokens: z.number().int().min(16).default(2048).describe('most tokens in one reply'),
  seed: z.number().int().default(0).describe('seed for choosing the in-context examples'),
  rougeThreshold: z.number().min(0).max(1).default(0.7).describe('drop a pair whose question has a ROUGE-L F above this with one kept (1 keeps all)'),
  minGrounding: z.number().min(0).max(1).default(0.5).describe("least share of an answer's content words that must occur in its chunk (0: no check)"),
  retries: z.number().int().min(0).max(20).default(5).describe('retries of a request on 429, 5xx or a dropped connection, with exponential backoff'),
  timeout: z.number().min(1).default(300).describe('seconds to wait for one reply'),
});

export type SynthCommandOptions = z.infer<typeof synthSchema>;

/** Everything `tuna synth` does, as a library call from the command's options. */
export async function runSynth(options: SynthCommandOptions, hooks: { signal?: AbortSignal; onProgress?: Parameters<typeof synthesize>[0]['onProgress'] } = {}): Promise<SynthSummary> {
  if (options.chunkOverlap >= options.chunkTokens) {
    throw new TunaInputError(`--chunk-overlap ${options.chunkOverlap} must be less than --chunk-tokens ${options.chunkTokens}.`);
  }
  const envKey = process.env[options.apiKeyEnv];
  const counter = options.tokenizer ? tokenizerCounter(await loadModelTokenizer(options.tokenizer), options.tokenizer) : APPROXIMATE_COUNTER;
  let prompt: { text: string; source: string } | undefined;
  if (options.prompt) {
    const bytes = await readFile(options.prompt).catch((error: NodeJS.ErrnoException) => {
      throw new TunaInputError(`--prompt ${options.prompt}: cannot read (${error.code === 'ENOENT' ? 'no such file' : error.code ?? error.message}).`);
    });
    prompt = { text: decodeUtf8File(bytes, options.prompt).replace(/\r\n/g, '\n'), source: options.prompt };
  }
  return synthesize({
    docs: options.docs,
    out: options.out,
    endpoint: { url: options.endpoint, model: options.model, apiKey: envKey || undefined, maxRetries: options.retries, timeoutMs: options.timeout * 1000 },
    style: options.style ?? (options.seedTasks ? 'instruction' : 'qa'),
    perChunk: options.perChunk,
    target: options.target,
    seedTasks: options.seedTasks,
    concurrency: options.concurrency,
    resume: options.resume,
    chunkTokens: options.chunkTokens,
    chunkOverlap: options.chunkOverlap,
    counter,
    prompt,
    temperature: options.temperature,
    maxTokens: options.maxTokens,
    seed: options.seed,
    rougeThreshold: options.rougeThreshold,
    minGrounding: options.minGrounding,
    signal: hooks.signal,
    onProgress: hooks.onProgress,
  });
}

export const synthCommand = defineCommand({
  name: 'synth',
  summary: 'Make training pairs from documents (or Self-Instruct seed tasks) with any OpenAI-compatible endpoint',
  args: [{ name: 'docs', required: false, variadic: true }],
  schema: synthSchema,
  json: true,
  async run(options, ctx) {
    const bar = new ProgressBar(process.stderr);
    const summary = await runSynth(options, {
      signal: ctx.signal,
      onProgress: (p) => bar.update({ step: p.done, total: p.total, label: p.unit, extra: progressExtra(p) }),
    });
    bar.done();
    if (ctx.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else ctx.log(formatSummary(summary));
    if (summary.stopped === 'failed') {
      process.stderr.write(`tuna: ${summary.error}\n`);
      return 1;
    }
    return summary.stopped === 'interrupted' ? 130 : 0;
  },
});
