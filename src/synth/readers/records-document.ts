// Data files as documents: FAQ rows (question/answer and the other pair formats), chat
// transcripts (OpenAI `messages`, ShareGPT `conversations`, or one conversation of role/content
// turns) and channel exports. Each record, conversation or thread becomes a paragraph.
import { detectFormat, normalizeRecord, readRecords, type DetectableFormat, type Example, type LoadedRecord } from '../../data/index.js';
import { TunaInputError } from '../../errors.js';
import { channelDocument, isChannelMessage } from './channel-export.js';
import { DocumentBuilder, type SynthDocument } from './document.js';

const SAMPLE = 20;
const ROLE_NAMES: Record<string, string> = { system: 'System', developer: 'Developer', user: 'User', assistant: 'Assistant', tool: 'Tool' };
const SHAREGPT_SPEAKERS: Record<string, string> = { human: 'User', user: 'User', gpt: 'Assistant', assistant: 'Assistant', system: 'System' };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A chat turn standing alone as a record: {role, content} or ShareGPT's {from, value}. */
function isChatTurn(value: unknown): boolean {
  if (!isObject(value)) return false;
  return (typeof value.role === 'string' && typeof value.content === 'string') || (typeof value.from === 'string' && typeof value.value === 'string');
}

function mostly(records: readonly LoadedRecord[], test: (value: unknown) => boolean): boolean {
  const sample = records.filter((r) => isObject(r.value)).slice(0, SAMPLE);
  return sample.length > 0 && sample.filter((r) => test(r.value)).length * 2 > sample.length;
}

function exampleText(example: Example): string {
  switch (example.kind) {
    case 'pair':
      return `Q: ${example.prompt}${example.context ? `\n${example.context}` : ''}\nA: ${example.answer}`;
    case 'chat':
      return example.messages.map((m) => `${ROLE_NAMES[m.role] ?? m.role}: ${m.content}`).join('\n');
    case 'text':
      return example.text;
    case 'fields':
      return Object.values(example.fields).join('\n');
  }
}

function turnText(value: Record<string, unknown>): string {
  if (typeof value.role === 'string') return `${ROLE_NAMES[value.role] ?? value.role}: ${String(value.content)}`;
  return `${SHAREGPT_SPEAKERS[String(value.from)] ?? String(value.from)}: ${String(value.value)}`;
}

const KIND_OF: Record<DetectableFormat, 'faq' | 'transcript'> = {
  messages: 'transcript',
  conversations: 'transcript',
  'prompt-completion': 'faq',
  'question-answer': 'faq',
  instruction: 'faq',
  'input-output': 'faq',
  text: 'faq',
};

function detect(file: string, records: readonly LoadedRecord[]): DetectableFormat {
  try {
    return detectFormat(records, file);
  } catch (error) {
    if (!(error instanceof TunaInputError)) throw error;
    const fields = [...new Set(records.slice(0, SAMPLE).flatMap((r) => (isObject(r.value) ? Object.keys(r.value) : [])))].map((f) => `"${f}"`).join(', ');
    throw new TunaInputError(
      `${file}: cannot tell what the records hold (fields ${fields || 'none'}). synth reads FAQ rows ({question, answer}, ` +
        '{instruction, response|output}, {prompt, completion}, {input, output}, {text}), transcripts ({messages: [{role, content}]}, ' +
        '{conversations: [{from, value}]}) and channel exports ({user, text, thread}).',
    );
  }
}

/** A .jsonl, .json or .csv file read as a document. */
export async function readRecordDocument(file: string): Promise<SynthDocument> {
  const records: LoadedRecord[] = [];
  for await (const record of readRecords(file)) records.push(record);
  if (records.length === 0) return new DocumentBuilder().build(file, 'faq');
  if (mostly(records, isChannelMessage)) return channelDocument(file, records);
  const doc = new DocumentBuilder();
  const warnings: string[] = [];
  if (mostly(records, isChatTurn)) {
    // One conversation, one turn per record (a .json file {"messages": [...]} reads this way).
    records.forEach(({ value, line }, i) => {
      if (!isChatTurn(value)) return void warnings.push(`${file}:${line}: not a chat turn ({role, content}); left out`);
      if (i === 0 || doc.length === 0) doc.paragraph(turnText(value as Record<string, unknown>), line);
      else doc.append(`\n${turnText(value as Record<string, unknown>)}`, line);
    });
    return doc.build(file, 'transcript', warnings);
  }
  const format = detect(file, records);
  for (const { value, line } of records) {
    try {
      doc.paragraph(exampleText(normalizeRecord(value, format)), line);
    } catch (error) {
      warnings.push(`${file}:${line}: ${(error as Error).message}; left out`);
    }
  }
  return doc.build(file, KIND_OF[format], warnings);
}
