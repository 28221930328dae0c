import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import { applyColumnMap, parseColumnMap } from './column-map.js';
import { detectFormat, parseDatasetFormat } from './dataset-format.js';
import { normalizeRecord } from './normalize-record.js';
import { RecordProblem } from './record-fields.js';

const records = (...values: unknown[]) => values.map((value, i) => ({ value, line: i + 1 }));

describe('detectFormat', () => {
  const cases: [unknown, string][] = [
    [{ messages: [] }, 'messages'],
    [{ conversations: [] }, 'conversations'],
    [{ prompt: 'p', completion: 'c' }, 'prompt-completion'],
    [{ question: 'q', answer: 'a' }, 'question-answer'],
    [{ instruction: 'i', input: 'x', output: 'o' }, 'instruction'],
    [{ instruction: 'i', response: 'r' }, 'instruction'],
    [{ input: 'x', output: 'o' }, 'input-output'],
    [{ text: 't' }, 'text'],
    [{ text: 't', question: 'q', answer: 'a' }, 'question-answer'],
  ];
  for (const [record, format] of cases) {
    it(`detects ${format} from ${Object.keys(record as object).join(', ')}`, () => {
      assert.equal(detectFormat(records(record)), format);
    });
  }

  it('skips empty leading records and outvotes a broken one', () => {
    assert.equal(detectFormat(records({}, null, { question: 'q' }, { question: 'q', answer: 'a' }, { question: 'q', answer: 'a' })), 'question-answer');
  });

  it('explains unknown fields and suggests --map', () => {
    assert.throws(() => detectFormat(records({ title: 'x', body: 'y' }), 'd.jsonl'), (error: Error) => {
      assert.ok(error instanceof TunaInputError);
      assert.match(error.message, /d\.jsonl: cannot tell the data format from the fields "title", "body".*--map field=column/);
      return true;
    });
  });

  it('validates --format names', () => {
    assert.equal(parseDatasetFormat('text'), 'text');
    assert.throws(() => parseDatasetFormat('sharegpt'), /unknown format/);
  });
});

describe('column map', () => {
  it('parses field=column and rejects bad entries', () => {
    assert.deepEqual(parseColumnMap(['question=Q', 'answer = A ']), { question: 'Q', answer: 'A' });
    assert.throws(() => parseColumnMap(['question']), /expected field=column/);
    assert.throws(() => parseColumnMap(['answer=A', 'answer=B']), /mapped twice/);
  });

  it('renames columns, removing the source and a stale field of the same name', () => {
    assert.deepEqual(applyColumnMap({ Q: 'q', A: 'a', question: 'old', x: 1 }, { question: 'Q', answer: 'A' }), { question: 'q', answer: 'a', x: 1 });
    assert.deepEqual(applyColumnMap({ answer: 'a', question: 'q' }, { question: 'Q' }), { answer: 'a' });
  });
});

describe('normalizeRecord', () => {
  const problem = (value: unknown, format: Parameters<typeof normalizeRecord>[1], pattern: RegExp) =>
    assert.throws(() => normalizeRecord(value, format), (error: Error) => error instanceof RecordProblem && pattern.test(error.message));

  it('builds pairs for each pair format, with Alpaca input as context', () => {
    assert.deepEqual(normalizeRecord({ question: 'q', answer: 'a', extra: 1 }, 'question-answer'), { kind: 'pair', prompt: 'q', answer: 'a' });
    assert.deepEqual(normalizeRecord({ instruction: 'i', input: 'x', output: 'o' }, 'instruction'), { kind: 'pair', prompt: 'i', context: 'x', answer: 'o' });
    assert.deepEqual(normalizeRecord({ instruction: 'i', input: '', response: 'r' }, 'instruction'), { kind: 'pair', prompt: 'i', answer: 'r' });
    assert.deepEqual(normalizeRecord({ input: 'x', output: 'o' }, 'input-output'), { kind: 'pair', prompt: 'x', answer: 'o' });
    assert.deepEqual(normalizeRecord({ prompt: 'p', completion: '' }, 'prompt-completion'), { kind: 'pair', prompt: 'p', answer: '' });
  });

  it('maps ShareGPT speakers to roles and keeps weights', () => {
    const example = normalizeRecord(
      { conversations: [{ from: 'system', value: 's' }, { from: 'human', value: 'u' }, { from: 'gpt', value: 'a', weight: 0 }, { from: 'gpt', value: 'b' }] },
      'conversations',
    );
    assert.deepEqual(example, {
      kind: 'chat',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
        { role: 'assistant', content: 'a', weight: 0 },
        { role: 'assistant', content: 'b' },
      ],
    });
  });

  it('reports wrong types, missing fields and unusable conversations', () => {
    problem({ question: 'q', answer: 42 }, 'question-answer', /field "answer" is a number \(42\), expected text/);
    problem({ question: 'q' }, 'question-answer', /missing field "answer"/);
    problem({ instruction: 'i' }, 'instruction', /missing field "response" \(or "output"\)/);
    problem('just text', 'text', /record is a string, expected an object/);
    problem({ messages: [] }, 'messages', /"messages" is an empty list/);
    problem({ messages: 'hi' }, 'messages', /expected a list of messages/);
    problem({ messages: [{ role: 'user', content: 'q' }] }, 'messages', /no assistant message/);
    problem({ messages: [{ role: 'bot', content: 'q' }] }, 'messages', /messages\[0\]: role "bot" is not one of/);
    problem({ messages: [{ role: 'user', content: 'q', weight: 1 }, { role: 'assistant', content: 'a' }] }, 'messages', /only allowed on assistant/);
    problem({ messages: [{ role: 'assistant', content: 'a', weight: 0.5 }] }, 'messages', /expected 0 or 1/);
    problem({ conversations: [{ from: 'robot', value: 'x' }] }, 'conversations', /"from" is "robot"/);
  });

  it('reads exactly the fields a user template names', () => {
    const template = { fields: ['title', 'body'], answerField: 'body' };
    assert.deepEqual(normalizeRecord({ body: 'b', title: 't', x: 1 }, 'fields', template), {
      kind: 'fields',
      fields: { title: 't', body: 'b' },
      answerField: 'body',
    });
  });
});
