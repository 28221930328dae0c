// Seed tasks for Self-Instruct: the paper's seed_tasks.jsonl ({instruction, instances: [{input,
// output}]}), or flat rows ({instruction|question|prompt, input?, output|response|answer}).
import { readRecords } from '../data/index.js';
import { checkNotEmpty } from '../data/load/load-records.js';
import { TunaInputError } from '../errors.js';

export interface SeedTask {
  instruction: string;
  input?: string;
  output?: string;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export async function readSeedTasks(file: string): Promise<SeedTask[]> {
  await checkNotEmpty(file);
  const tasks: SeedTask[] = [];
  for await (const { value, line } of readRecords(file)) {
    const record = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    const instruction = text(record.instruction) ?? text(record.question) ?? text(record.prompt);
    if (!instruction) throw new TunaInputError(`${file}:${line}: a seed task needs an "instruction" (or "question" or "prompt") as text.`);
    const instance = Array.isArray(record.instances) && record.instances[0] && typeof record.instances[0] === 'object' ? (record.instances[0] as Record<string, unknown>) : {};
    const input = text(instance.input) ?? text(record.input);
    const output = text(instance.output) ?? text(record.output) ?? text(record.response) ?? text(record.answer);
    tasks.push({ instruction, ...(input ? { input } : {}), ...(output ? { output } : {}) });
  }
  if (tasks.length === 0) throw new TunaInputError(`${file}: no seed tasks in the file.`);
  return tasks;
}

/** A task as an in-context example, in the reply's own JSON shape. */
export function exampleLine(task: SeedTask, promptKey: string, answerKey: string): string {
  const output = task.output && task.output.length > 400 ? `${task.output.slice(0, 400)}...` : task.output;
  return JSON.stringify({ [promptKey]: task.instruction, ...(task.input ? { input: task.input } : {}), ...(output ? { [answerKey]: output } : {}) });
}
