// A model's reply read as generated pairs. Models wrap JSON in code fences or prose; the first
// JSON value in the reply is taken. Items without a prompt and an answer as text are counted.

/** Why a whole reply gave no pairs. */
export const REPLY_PROBLEMS = ['empty-reply', 'not-json', 'no-pairs'] as const;
export type ReplyProblem = (typeof REPLY_PROBLEMS)[number];

export interface Proposal {
  /** The question or instruction. */
  prompt: string;
  /** Alpaca's optional input to the instruction. */
  input?: string;
  answer: string;
}

export interface ParsedReply {
  proposals: Proposal[];
  /** Items that lack a prompt or an answer (or are not objects). */
  malformed: number;
  problem?: ReplyProblem;
}

const PROMPT_KEYS = ['question', 'instruction', 'prompt', 'query', 'q', 'user'];
const ANSWER_KEYS = ['answer', 'response', 'output', 'completion', 'a', 'assistant'];

/** The first JSON object or array in the text, or undefined. */
function firstJson(text: string): unknown {
  const fenced = /```(?:json)?\s*\n?([\s\S]*?)```/i.exec(text);
  const body = (fenced ? fenced[1]! : text).trim();
  try {
    return JSON.parse(body);
  } catch {
    // Prose around the JSON: try from each opening bracket to the matching last closing one.
    for (const [open, close] of [['{', '}'], ['[', ']']] as const) {
      const start = body.indexOf(open);
      const end = body.lastIndexOf(close);
      if (start === -1 || end <= start) continue;
      try {
        return JSON.parse(body.slice(start, end + 1));
      } catch {
        // next shape
      }
    }
    return undefined;
  }
}

function pick(item: Record<string, unknown>, keys: readonly string[]): unknown {
  const lower = new Map(Object.entries(item).map(([k, v]) => [k.toLowerCase(), v]));
  for (const key of keys) if (lower.has(key)) return lower.get(key);
  return undefined;
}

function items(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.pairs)) return record.pairs;
  const lists = Object.values(record).filter(Array.isArray);
  if (lists.length === 1) return lists[0] as unknown[];
  if (pick(record, PROMPT_KEYS) !== undefined) return [record];
  return undefined;
}

export function parseReply(text: string): ParsedReply {
  if (text.trim() === '') return { proposals: [], malformed: 0, problem: 'empty-reply' };
  const value = firstJson(text);
  if (value === undefined) return { proposals: [], malformed: 0, problem: 'not-json' };
  const list = items(value);
  if (!list) return { proposals: [], malformed: 0, problem: 'no-pairs' };
  const proposals: Proposal[] = [];
  let malformed = 0;
  for (const item of list) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      malformed++;
      continue;
    }
    const prompt = pick(item as Record<string, unknown>, PROMPT_KEYS);
    let answer = pick(item as Record<string, unknown>, ANSWER_KEYS);
    if (typeof answer === 'number' || typeof answer === 'boolean') answer = String(answer);
    const input = pick(item as Record<string, unknown>, ['input', 'context']);
    if (typeof prompt !== 'string' || prompt.trim() === '' || typeof answer !== 'string') {
      malformed++;
      continue;
    }
    proposals.push({ prompt: prompt.trim(), ...(typeof input === 'string' && input.trim() !== '' ? { input: input.trim() } : {}), answer: answer.trim() });
  }
  if (list.length === 0) return { proposals, malformed, problem: 'no-pairs' };
  return { proposals, malformed };
}
