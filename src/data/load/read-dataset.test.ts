import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import { readDataset } from './read-dataset.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../../fixtures/data', name);

describe('readDataset', () => {
  it('detects and normalises, reporting records that do not fit with their lines', async () => {
    const dataset = await readDataset(fixture('wrong-type.jsonl'));
    assert.equal(dataset.format, 'question-answer');
    assert.deepEqual(
      dataset.examples.map((e) => e.line),
      [1, 5],
    );
    assert.deepEqual(dataset.problems, [
      { line: 2, message: 'field "answer" is a number (42), expected text' },
      { line: 3, message: 'missing field "answer"' },
      { line: 4, message: 'missing field "answer"' },
    ]);
  });

  it('reads chats, ShareGPT, Alpaca and CSV fixtures', async () => {
    const chat = await readDataset(fixture('chat.jsonl'));
    assert.equal(chat.format, 'messages');
    assert.equal(chat.examples.length, 2);
    assert.deepEqual(
      chat.problems.map((p) => p.line),
      [3, 4],
    );
    assert.equal((await readDataset(fixture('wrapped.json'))).format, 'conversations');
    const alpaca = await readDataset(fixture('alpaca.json'));
    assert.equal(alpaca.format, 'instruction');
    assert.deepEqual(alpaca.examples[1], { example: { kind: 'pair', prompt: 'Name a primary colour.', answer: 'Red' }, line: 7 });
    assert.equal((await readDataset(fixture('qa.csv'))).examples.length, 3);
  });

  it('applies --map before detection and honours a forced format', async () => {
    const dataset = await readDataset(fixture('input-output.jsonl'), { map: { question: 'input', answer: 'output' } });
    assert.equal(dataset.format, 'question-answer');
    assert.deepEqual(dataset.examples[0]!.example, { kind: 'pair', prompt: 'ping', answer: 'pong' });
    const forced = await readDataset(fixture('qa.jsonl'), { format: 'text' }).catch((e: unknown) => e);
    assert.ok(forced instanceof TunaInputError);
    assert.match(forced.message, /none of the 3 records fits the "text" format \(line 1: missing field "text"/);
  });

  it('uses the fields of a user template', async () => {
    const dataset = await readDataset(fixture('qa.jsonl'), { template: { fields: ['question', 'answer'], answerField: 'answer' } });
    assert.equal(dataset.format, 'fields');
    assert.equal(dataset.examples.length, 3);
  });
});
