// `tuna synth` as a library call: documents -> chunks -> one request per chunk (or per
// Self-Instruct round) to an OpenAI-compatible endpoint, K at a time -> pairs filtered and
// appended as they arrive. Resumable, interruptible, and it reports what it dropped and why.
import { createHash } from 'node:crypto';
import { mulberry32 } from '../data/index.js';
import { ChatEndpoint, type EndpointOptions } from '../endpoint/client.js';
import { TunaInputError } from '../errors.js';
import { chunkText, codePointOffsets, type TokenCounter } from './chunk.js';
import { DROP_REASONS, groundingScore, isRefusal, passesSelfInstructFilter, type DropReason } from './filters.js';
import { parseReply, REPLY_PROBLEMS, type Proposal, type ReplyProblem } from './parse-reply.js';
import { promptTemplate, renderPrompt, type SynthStyle } from './prompts.js';
import { lineAt } from './readers/document.js';
import { listDocumentFiles, readDocument } from './readers/read-documents.js';
import { pairRecord, styleKeys } from './records.js';
import { RougeDeduper } from './rouge-dedupe.js';
import { exampleLine, readSeedTasks, type SeedTask } from './seed-tasks.js';
import { progressPath, sourceKey, SynthStore, type ChunkEntry, type PairSource } from './store.js';

export interface SynthesizeOptions {
  /** Files and folders to read; none for Self-Instruct from seed tasks alone. */
  docs: string[];
  out: string;
  endpoint: Omit<EndpointOptions, 'onFailedAttempt'>;
  style: SynthStyle;
  /** Pairs asked for per chunk (or per Self-Instruct round). */
  perChunk: number;
  /** Stop once this many pairs are kept (in the file, over all runs). */
  target?: number;
  seedTasks?: string;
  concurrency: number;
  resume: boolean;
  chunkTokens: number;
  chunkOverlap: number;
  counter: TokenCounter;
  /** A user prompt template (its text and where it came from). */
  prompt?: { text: string; source: string };
  temperature: number;
  maxTokens: number;
  seed: number;
  /** Drop a pair whose question scores above this ROUGE-L F against one kept (1 keeps all). */
  rougeThreshold: number;
  /** Least share of an answer's content words found in its chunk (0 turns the check off). */
  minGrounding: number;
  signal?: AbortSignal;
  onProgress?: (progress: SynthProgress) => void;
}

export interface SynthProgress {
  unit: 'chunk' | 'pair';
  done: number;
  total: number;
  kept: number;
  dropped: Record<DropReason, number>;
  badReplies: number;
  tokens: number;
  retries: number;
}

export type StopReason = 'finished' | 'target' | 'interrupted' | 'failed' | 'no-progress';

export interface SynthSummary {
  out: string;
  progressLog: string;
  style: SynthStyle;
  model: string;
  endpoint: string;
  tokenCounter: string;
  documents: { files: number; skippedFiles: string[]; chunks: number } | null;
  seedTasks: number | null;
  /** Chunks (or Self-Instruct rounds): all done over every run, this run's, and those skipped as done before. */
  chunks: { total: number | null; done: number; thisRun: number; skippedAsDone: number };
  requests: number;
  replies: { ok: number } & Record<ReplyProblem, number>;
  pairs: { proposed: number; kept: number; dropped: Record<DropReason, number> };
  duplicates: number;
  /** Pairs in the output file, from every run. */
  inFile: number;
  tokens: { prompt: number; completion: number };
  retries: number;
  stopped: StopReason;
  error?: string;
  samples: Record<string, unknown>[];
  warnings: string[];
}

interface WorkItem {
  key: string;
  source: PairSource;
  chunk?: string;
  file?: string;
}

/** Self-Instruct rounds in a row that keep nothing before the run gives up. */
const FRUITLESS_ROUNDS = 10;

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

function seedFor(seed: number, key: string): number {
  return createHash('sha256').update(`${seed}:${key}`).digest().readUInt32LE(0);
}

function sample<T>(items: readonly T[], count: number, next: () => number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(next() % pool.length, 1)[0]!);
  return out;
}

async function documentItems(paths: string[], options: SynthesizeOptions, warnings: string[]) {
  const listed = await listDocumentFiles(paths);
  const items: WorkItem[] = [];
  for (const file of listed.files) {
    const doc = await readDocument(file);
    warnings.push(...doc.warnings);
    const points = codePointOffsets(doc.text);
    for (const chunk of chunkText(doc.text, { size: options.chunkTokens, overlap: options.chunkOverlap, counter: options.counter })) {
      const source: PairSource = { file, chunk: chunk.index, start: points(chunk.start), end: points(chunk.end), lines: [lineAt(doc, chunk.start), lineAt(doc, chunk.end - 1)] };
      items.push({ key: sourceKey(source), source, chunk: chunk.text, file });
    }
  }
  if (items.length === 0) throw new TunaInputError(`${paths.join(', ')}: the documents hold no text to make pairs from.`);
  return { items, files: listed.files.length, skipped: listed.skipped };
}

export async function synthesize(options: SynthesizeOptions): Promise<SynthSummary> {
  const warnings: string[] = [];
  const seeds: SeedTask[] = options.seedTasks ? await readSeedTasks(options.seedTasks) : [];
  const selfInstruct = options.docs.length === 0;
  if (selfInstruct && seeds.length === 0) throw new TunaInputError('give documents to make pairs from, or --seed-tasks FILE for Self-Instruct without documents.');
  if (selfInstruct && options.target === undefined) throw new TunaInputError('Self-Instruct without documents needs --target N: how many pairs to make.');
  const docs = selfInstruct ? null : await documentItems(options.docs, options, warnings);
  const template = promptTemplate(options.style, selfInstruct, options.prompt);

  let retries = 0;
  const endpoint = new ChatEndpoint({ ...options.endpoint, onFailedAttempt: () => void retries++ });
  await endpoint.check(options.signal);

  const settings = {
    style: options.style,
    perChunk: options.perChunk,
    chunkTokens: selfInstruct ? null : options.chunkTokens,
    chunkOverlap: selfInstruct ? null : options.chunkOverlap,
    tokenizer: selfInstruct ? null : options.counter.name,
    prompt: createHash('sha256').update(template.text).digest('hex').slice(0, 16),
    seedTasks: options.seedTasks ?? null,
  };
  const { store, state } = await SynthStore.open(options.out, settings, options.resume);

  const keys = styleKeys(options.style);
  const dedupe = new RougeDeduper(options.rougeThreshold);
  if (options.rougeThreshold < 1) {
    for (const seed of seeds) dedupe.add(seed.instruction);
    for (const pair of state.pairs) dedupe.add(pair.prompt);
  }
  const generated: SeedTask[] = state.pairs.map((p) => ({ instruction: p.prompt, output: p.answer }));
  const summaryPairs = { proposed: 0, kept: 0, dropped: zeroes(DROP_REASONS) };
  const replies = { ok: 0, ...zeroes(REPLY_PROBLEMS) };
  const tokens = { prompt: 0, completion: 0 };
  const keptRecords: Record<string, unknown>[] = [];
  let inFile = state.pairs.length;
  let requests = 0;
  let thisRun = 0;
  let fruitless = 0;
  let stopped: StopReason = 'finished';
  let failure: unknown;

  const pending = docs ? docs.items.filter((item) => !state.done.has(item.key)) : [];
  const skippedAsDone = docs ? docs.items.length - pending.length : 0;
  let nextRound = 0;
  for (const key of state.done) nextRound = Math.max(nextRound, Number(/^round:(\d+)$/.exec(key)?.[1] ?? -1) + 1);
  const doneBefore = docs ? skippedAsDone : state.done.size;
  const targetReached = () => options.target !== undefined && inFile >= options.target;
  if (targetReached()) stopped = 'target';

  const halt = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal;
  const stop = (reason: StopReason) => {
    if (stopped === 'finished') stopped = reason;
    halt.abort();
  };
  const report = () =>
    options.onProgress?.({
      unit: selfInstruct ? 'pair' : 'chunk',
      done: selfInstruct ? inFile : doneBefore + thisRun,
      total: selfInstruct ? options.target! : docs!.items.length,
      kept: summaryPairs.kept,
      dropped: summaryPairs.dropped,
      badReplies: REPLY_PROBLEMS.reduce((sum, problem) => sum + replies[problem], 0),
      tokens: tokens.prompt + tokens.completion,
      retries,
    });

  const take = (): WorkItem | undefined => {
    if (signal.aborted || stopped !== 'finished') return undefined;
    if (docs) return pending.shift();
    const round = nextRound++;
    return { key: `round:${round}`, source: { seedTasks: options.seedTasks!, round } };
  };

  const examplesFor = (item: WorkItem): string[] => {
    if (seeds.length === 0) return [];
    const next = mulberry32(seedFor(options.seed, item.key));
    const chosen = selfInstruct ? [...sample(seeds, 8 - Math.min(2, generated.length), next), ...sample(generated, 2, next)] : sample(seeds, 3, next);
    return chosen.map((task) => exampleLine(task, keys.prompt, keys.answer));
  };

  const judge = (proposal: Proposal, item: WorkItem): DropReason | null => {
    if (proposal.answer === '') return 'empty-answer';
    if (isRefusal(proposal.answer)) return 'refusal';
    if (item.chunk !== undefined && options.minGrounding > 0 && groundingScore(proposal.answer, item.chunk) < options.minGrounding) return 'ungrounded';
    if (selfInstruct && !passesSelfInstructFilter(proposal.prompt)) return 'self-instruct-filter';
    if (options.rougeThreshold < 1 && dedupe.nearest(proposal.prompt)) return 'duplicate';
    if (targetReached()) return 'over-target';
    return null;
  };

  const handle = async (item: WorkItem, text: string, usage: { prompt: number; completion: number }) => {
    const parsed = parseReply(text);
    if (parsed.problem) replies[parsed.problem]++;
    else replies.ok++;
    const entry: ChunkEntry = { key: item.key, kept: 0, dropped: {}, ...(parsed.problem ? { problem: parsed.problem } : {}), promptTokens: usage.prompt, completionTokens: usage.completion };
    const drop = (reason: DropReason, count = 1) => {
      if (count === 0) return;
      summaryPairs.dropped[reason] += count;
      entry.dropped[reason] = (entry.dropped[reason] ?? 0) + count;
    };
    drop('missing-fields', parsed.malformed);
    summaryPairs.proposed += parsed.proposals.length + parsed.malformed;
    const records: Record<string, unknown>[] = [];
    for (const proposal of parsed.proposals) {
      const reason = judge(proposal, item);
      if (reason) {
        drop(reason);
        continue;
      }
      if (options.rougeThreshold < 1) dedupe.add(proposal.prompt);
      generated.push({ instruction: proposal.prompt, ...(proposal.input ? { input: proposal.input } : {}), output: proposal.answer });
      records.push(pairRecord(options.style, proposal, item.source));
      inFile++;
    }
    entry.kept = records.length;
    summaryPairs.kept += records.length;
    keptRecords.push(...records);
    fruitless = records.length > 0 ? 0 : fruitless + 1;
    await store.append(records, entry);
    thisRun++;
    report();
    if (targetReached()) stop('target');
    else if (selfInstruct && fruitless >= FRUITLESS_ROUNDS) stop('no-progress');
  };

  const worker = async () => {
    for (let item = take(); item; item = take()) {
      const prompt = renderPrompt(template, { chunk: item.chunk, file: item.file, n: options.perChunk, examples: examplesFor(item) });
      let reply;
      try {
        requests++;
        reply = await endpoint.chat([{ role: 'user', content: prompt }], { json: true, temperature: options.temperature, maxTokens: options.maxTokens, signal });
      } catch (error) {
        requests--;
        if (options.signal?.aborted) stop('interrupted');
        else if (!halt.signal.aborted) {
          failure = error;
          stop('failed');
        }
        return;
      }
      tokens.prompt += reply.promptTokens;
      tokens.completion += reply.completionTokens;
      await handle(item, reply.text, { prompt: reply.promptTokens, completion: reply.completionTokens });
    }
  };

  try {
    report();
    if (!targetReached()) await Promise.all(Array.from({ length: options.concurrency }, worker));
    if (options.signal?.aborted && stopped === 'finished') stopped = 'interrupted';
  } finally {
    await store.close();
  }

  const spread = keptRecords.length <= 3 ? keptRecords : [0, Math.floor(keptRecords.length / 2), keptRecords.length - 1].map((i) => keptRecords[i]!);
  return {
    out: options.out,
    progressLog: progressPath(options.out),
    style: options.style,
    model: endpoint.model,
    endpoint: endpoint.baseUrl,
    tokenCounter: options.counter.name,
    documents: docs ? { files: docs.files, skippedFiles: docs.skipped, chunks: docs.items.length } : null,
    seedTasks: options.seedTasks ? seeds.length : null,
    chunks: { total: docs ? docs.items.length : null, done: doneBefore + thisRun, thisRun, skippedAsDone },
    requests,
    replies,
    pairs: summaryPairs,
    duplicates: summaryPairs.dropped.duplicate,
    inFile,
    tokens,
    retries,
    stopped,
    ...(failure ? { error: failure instanceof Error ? failure.message : String(failure) } : {}),
    samples: spread,
    warnings,
  };
}
