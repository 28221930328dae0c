// The prompting baseline: the same held-out prompts answered by a large model behind an
// OpenAI-compatible endpoint, zero-shot or with K solved examples from the train split, so that
// "prompt a big model" and "fine-tune a small one" are scored with the same metrics.
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ChatEndpoint, EndpointMessage } from '../endpoint/client.js';
import { TunaInputError } from '../errors.js';
import type { EvalExample } from './evaluate.js';
import { readEvalExamples } from './evaluate.js';

export interface PromptBaselineOptions {
  /** A system message sent first (none by default). */
  system?: string | undefined;
  /** Solved examples shown before each question, as earlier user/assistant turns. */
  shots?: readonly EvalExample[];
  /** Longest answer asked for, in the endpoint's tokens. */
  maxTokens: number;
  /** Requests in flight at once. */
  concurrency?: number;
  onProgress?: (done: number) => void;
  signal?: AbortSignal;
}

const ROLES = new Set(['system', 'user', 'assistant']);

/**
 * What a chat model is given for an example: the untemplated conversation prepare wrote
 * (`prompt_messages`), or the rendered prompt as one user turn for files without it. A
 * `developer` turn is sent as `system`; tool turns are left out.
 */
export function exampleMessages(example: EvalExample): EndpointMessage[] {
  if (!example.messages) return [{ role: 'user', content: example.prompt }];
  return example.messages
    .map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: m.content }))
    .filter((m): m is EndpointMessage => ROLES.has(m.role));
}

/** The whole request: system message, the shots with their references, then the question. */
export function baselineMessages(example: EvalExample, options: Pick<PromptBaselineOptions, 'system' | 'shots'>): EndpointMessage[] {
  const shots = (options.shots ?? []).flatMap((shot) => [
    ...exampleMessages(shot).filter((m) => m.role !== 'system'),
    { role: 'assistant' as const, content: shot.reference },
  ]);
  const own = exampleMessages(example);
  const system = [
    ...(options.system ? [{ role: 'system' as const, content: options.system }] : []),
    ...own.filter((m) => m.role === 'system'),
  ];
  return [...system, ...shots, ...own.filter((m) => m.role !== 'system')];
}

/** The endpoint's answers to every example, in order, at most `concurrency` requests at a time. */
export async function promptedAnswers(endpoint: ChatEndpoint, examples: readonly EvalExample[], options: PromptBaselineOptions): Promise<string[]> {
  const answers: string[] = new Array(examples.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < examples.length) {
      const index = next++;
      const reply = await endpoint.chat(baselineMessages(examples[index]!, options), { temperature: 0, maxTokens: options.maxTokens, signal: options.signal });
      answers[index] = reply.text.trim();
      options.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, examples.length) }, worker));
  return answers;
}

/**
 * The first `count` examples of the train split beside the held-out file (DATA/train.jsonl for
 * DATA/test.jsonl or the folder DATA): prepare shuffles before it splits, so these are a seeded sample.
 */
export async function fewShotExamples(data: string, count: number): Promise<EvalExample[]> {
  const isFolder = (await stat(data).catch(() => null))?.isDirectory() ?? false;
  const folder = isFolder ? data : dirname(data);
  const train = join(folder, 'train.jsonl');
  if (!isFolder && basename(data) === 'train.jsonl') throw new TunaInputError(`--few-shot: --data ${data} is the train split itself; pass test.jsonl`);
  if (!(await stat(train).catch(() => null))) {
    throw new TunaInputError(`--few-shot ${count} takes its examples from ${train}, which does not exist: pass --data a folder written by \`tuna prepare\` (or --few-shot 0)`);
  }
  return readEvalExamples(train, count);
}
