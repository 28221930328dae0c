// Where synth's results go as they arrive: pairs appended to the output JSONL, and one line per
// finished chunk in `<out>.progress.jsonl` (the settings first). A crash or Ctrl-C loses at most
// the requests in flight; --resume reads both files back and skips every chunk already done.
import { open, readFile, stat, truncate, type FileHandle } from 'node:fs/promises';
import { TunaInputError } from '../errors.js';
import type { DropReason } from './filters.js';
import type { ReplyProblem } from './parse-reply.js';

/** Where a pair came from: a chunk of a document, or a Self-Instruct round. */
export type PairSource =
  | { file: string; chunk: number; start: number; end: number; lines: [number, number] }
  | { seedTasks: string; round: number };

export function sourceKey(source: PairSource): string {
  return 'round' in source ? `round:${source.round}` : `${source.file}#${source.start}-${source.end}`;
}

/** One finished chunk (or round), as the progress log records it. */
export interface ChunkEntry {
  key: string;
  kept: number;
  dropped: Partial<Record<DropReason, number>>;
  problem?: ReplyProblem;
  promptTokens: number;
  completionTokens: number;
}

export interface StoredPair {
  /** The question, instruction or user message: what near-duplicates are judged on. */
  prompt: string;
  answer: string;
  key: string | null;
}

export interface ResumeState {
  done: Set<string>;
  pairs: StoredPair[];
  entries: ChunkEntry[];
}

export const progressPath = (out: string): string => `${out}.progress.jsonl`;

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/** The lines of a JSONL file written by appends; a torn last line (a crash mid-write) is cut off. */
async function readAppended(path: string): Promise<unknown[]> {
  let text = await readFile(path, 'utf8');
  if (text !== '' && !text.endsWith('\n')) {
    const keep = text.lastIndexOf('\n') + 1;
    await truncate(path, Buffer.byteLength(text.slice(0, keep)));
    text = text.slice(0, keep);
  }
  return text.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as unknown];
    } catch {
      throw new TunaInputError(`${path}:${index + 1}: not valid JSON, so the run cannot be resumed from it. Fix or remove that line.`);
    }
  });
}

/** The prompt and answer of a record synth wrote, in any of its styles. */
export function storedPair(record: Record<string, unknown>): StoredPair | null {
  const source = record.source as PairSource | undefined;
  const key = source && typeof source === 'object' ? sourceKey(source) : null;
  if (typeof record.question === 'string' && typeof record.answer === 'string') return { prompt: record.question, answer: record.answer, key };
  if (typeof record.instruction === 'string' && typeof record.response === 'string') return { prompt: record.instruction, answer: record.response, key };
  const messages = record.messages as { content?: unknown }[] | undefined;
  if (Array.isArray(messages) && typeof messages[0]?.content === 'string' && typeof messages[1]?.content === 'string') {
    return { prompt: messages[0].content, answer: messages[1].content, key };
  }
  return null;
}

function checkSettings(log: string, was: Record<string, unknown>, now: Record<string, unknown>): void {
  for (const key of Object.keys(now)) {
    if (JSON.stringify(was[key] ?? null) !== JSON.stringify(now[key] ?? null)) {
      throw new TunaInputError(
        `--resume: --${kebab(key)} was ${JSON.stringify(was[key] ?? null)} in the run recorded in ${log}, now ${JSON.stringify(now[key] ?? null)}. ` +
          'Resume with the same value, or start a new run with another --out.',
      );
    }
  }
}

export class SynthStore {
  private queue: Promise<void> = Promise.resolve();

  private constructor(private readonly out: FileHandle, private readonly log: FileHandle) {}

  /**
   * Opens the output and its progress log. Without `resume` both must be new (or the output empty);
   * with it, the earlier run's settings must match `settings`, and what it did is read back.
   */
  static async open(out: string, settings: Record<string, unknown>, resume: boolean): Promise<{ store: SynthStore; state: ResumeState }> {
    const log = progressPath(out);
    const state: ResumeState = { done: new Set(), pairs: [], entries: [] };
    const [outExists, logExists] = [await exists(out), await exists(log)];
    if (!resume) {
      if (logExists || (outExists && (await stat(out)).size > 0)) {
        throw new TunaInputError(`${outExists ? out : log} already exists: pass --resume to continue that run, or choose another --out.`);
      }
    } else if (outExists && !logExists) {
      throw new TunaInputError(`--resume: ${out} has no ${log} beside it, so it was not written by tuna synth (or the log was removed). Choose another --out.`);
    }
    if (resume && logExists) {
      const [header, ...entries] = await readAppended(log);
      const recorded = (header as { settings?: Record<string, unknown> } | undefined)?.settings;
      if (!recorded) throw new TunaInputError(`${log}: the first line holds no settings; it is not a tuna synth progress log.`);
      checkSettings(log, recorded, settings);
      for (const entry of entries as ChunkEntry[]) {
        state.entries.push(entry);
        state.done.add(entry.key);
      }
      if (outExists) {
        for (const record of await readAppended(out)) {
          const pair = record && typeof record === 'object' ? storedPair(record as Record<string, unknown>) : null;
          if (!pair) continue;
          state.pairs.push(pair);
          // Pairs written just before a crash, whose chunk had no log line yet, count their chunk as done.
          if (pair.key) state.done.add(pair.key);
        }
      }
    }
    const outHandle = await open(out, 'a');
    const logHandle = await open(log, 'a');
    if (!(resume && logExists)) await logHandle.write(`${JSON.stringify({ synth: 1, settings })}\n`);
    return { store: new SynthStore(outHandle, logHandle), state };
  }

  /** Appends a chunk's kept records, then its log line; calls are written in the order made. */
  append(records: readonly unknown[], entry: ChunkEntry): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (records.length > 0) await this.out.write(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      await this.log.write(`${JSON.stringify(entry)}\n`);
    });
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => {});
    await this.out.close();
    await this.log.close();
  }
}
