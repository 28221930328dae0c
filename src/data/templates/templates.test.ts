import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Template } from '@huggingface/jinja';
import { TunaInputError } from '../../errors.js';
import type { ChatExample, Example, PairExample } from '../format/example.js';
import { splitAtLastAnswer } from '../tokenize/segments.js';
import type { PromptTemplate } from '../tokenize/segments.js';
import { alpacaTemplate } from './alpaca.js';
import { chatTemplate } from './chat.js';
import type { ChatRenderer } from './chat.js';
import { builtinTemplate, defaultTemplateName } from './index.js';
import { plainTemplate } from './plain.js';
import { qaTemplate } from './qa.js';
import { loadUserTemplate, parseUserTemplate } from './user-template.js';

const question: PairExample = { kind: 'pair', prompt: 'What is Tuna?', answer: 'A fine-tuning toolkit.' };
const withInput: PairExample = { kind: 'pair', prompt: 'Give a synonym.', context: 'happy', answer: 'glad' };

// ChatML as Qwen2 writes it, run through the same jinja engine the tokenizer module uses.
const CHATML = `{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`;
const chatml: ChatRenderer = (messages, { addGenerationPrompt }) =>
  new Template(CHATML).render({ messages, add_generation_prompt: addGenerationPrompt });

const conversation: ChatExample = {
  kind: 'chat',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: '2+2?' },
    { role: 'assistant', content: '5', weight: 0 },
    { role: 'user', content: 'Sure?' },
    { role: 'assistant', content: '4' },
  ],
};

function segmentsOf(template: PromptTemplate, example: Example): [string, boolean][] {
  return template.render(example).segments.map((s) => [s.text, s.trained]);
}

describe('qa template', () => {
  it('renders the golden prompt and a trained answer', () => {
    assert.deepEqual(segmentsOf(qaTemplate, question), [
      ['### Question:\nWhat is Tuna?\n\n### Answer:\n', false],
      ['A fine-tuning toolkit.', true],
    ]);
    assert.equal(qaTemplate.render(question).appendEos, true);
  });

  it('puts an Alpaca input after the question', () => {
    assert.equal(qaTemplate.renderPrompt(withInput).prompt, '### Question:\nGive a synonym.\n\nhappy\n\n### Answer:\n');
  });
});

describe('alpaca template', () => {
  it('renders the no-input prompt', () => {
    assert.deepEqual(segmentsOf(alpacaTemplate, question), [
      [
        'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
          '### Instruction:\nWhat is Tuna?\n\n### Response:\n',
        false,
      ],
      ['A fine-tuning toolkit.', true],
    ]);
  });

  it('renders the with-input prompt', () => {
    assert.deepEqual(segmentsOf(alpacaTemplate, withInput), [
      [
        'Below is an instruction that describes a task, paired with an input that provides further context. ' +
          'Write a response that appropriately completes the request.\n\n' +
          '### Instruction:\nGive a synonym.\n\n### Input:\nhappy\n\n### Response:\n',
        false,
      ],
      ['glad', true],
    ]);
  });
});

describe('plain template', () => {
  it('joins prompt and completion with nothing added', () => {
    assert.deepEqual(segmentsOf(plainTemplate, { kind: 'pair', prompt: 'Say hi:', answer: ' hi' }), [
      ['Say hi:', false],
      [' hi', true],
    ]);
  });

  it('trains the whole of a text example', () => {
    assert.deepEqual(segmentsOf(plainTemplate, { kind: 'text', text: 'Once upon a time.' }), [['Once upon a time.', true]]);
    assert.deepEqual(plainTemplate.renderPrompt({ kind: 'text', text: 'x' }), { prompt: '', reference: 'x' });
  });
});

describe('chat template', () => {
  const template = chatTemplate(chatml);

  it('trains assistant turns with their end-of-turn text and honours weight 0', () => {
    assert.deepEqual(segmentsOf(template, conversation), [
      ['<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n5<|im_end|>\n<|im_start|>user\nSure?<|im_end|>\n<|im_start|>assistant\n', false],
      ['4<|im_end|>\n', true],
    ]);
    assert.equal(template.render(conversation).appendEos, false);
  });

  it('trains every assistant turn by default', () => {
    const trained = template
      .render({ ...conversation, messages: conversation.messages.map(({ role, content }) => ({ role, content })) })
      .segments.filter((s) => s.trained)
      .map((s) => s.text);
    assert.deepEqual(trained, ['5<|im_end|>\n', '4<|im_end|>\n']);
  });

  it('renders a pair as one user and one assistant turn', () => {
    assert.deepEqual(segmentsOf(template, question), [
      ['<|im_start|>user\nWhat is Tuna?<|im_end|>\n<|im_start|>assistant\n', false],
      ['A fine-tuning toolkit.<|im_end|>\n', true],
    ]);
  });

  it('gives the conversation before the last answer as the generation prompt', () => {
    const { prompt, reference } = template.renderPrompt(conversation);
    assert.equal(prompt, '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n5<|im_end|>\n<|im_start|>user\nSure?<|im_end|>\n<|im_start|>assistant\n');
    assert.equal(reference, '4');
    const open = template.renderPrompt({ kind: 'chat', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(open.prompt, '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  });

  it('refuses templates that rewrite earlier turns', () => {
    // Renders the last user message specially: earlier text changes when messages are added.
    const unstable: ChatRenderer = (messages, { addGenerationPrompt }) =>
      messages.map((m, i) => (i === messages.length - 1 ? `[last ${m.role}] ${m.content}` : `[${m.role}] ${m.content}`)).join('\n') +
      (addGenerationPrompt ? '\n[assistant] ' : '');
    assert.throws(() => chatTemplate(unstable).render(question), /renders the conversation before message 1 differently/);
  });

  it('needs a renderer', () => {
    assert.throws(() => builtinTemplate('chat'), /needs a model with a chat template/);
  });
});

describe('user template', () => {
  const template = parseUserTemplate('Q: {question}\nA: {answer}</s>{{end}}', 'qa.txt');
  const example: Example = { kind: 'fields', fields: { question: 'Why?', answer: 'Because.' }, answerField: 'answer' };

  it('splits at the answer placeholder and trains the fixed text after it', () => {
    assert.deepEqual(template.fields, ['question', 'answer']);
    assert.equal(template.answerField, 'answer');
    assert.deepEqual(segmentsOf(template, example), [
      ['Q: Why?\nA: ', false],
      ['Because.</s>{end}', true],
    ]);
    assert.deepEqual(template.renderPrompt(example), { prompt: 'Q: Why?\nA: ', reference: 'Because.' });
  });

  it('reads a template file without its final newline', async () => {
    const fromFile = await loadUserTemplate(join(import.meta.dirname, '../../../fixtures/data/qa-template.txt'));
    assert.deepEqual(fromFile.fields, ['question', 'context', 'answer']);
    const rendered = fromFile.render({ kind: 'fields', fields: { question: 'q', context: 'c', answer: 'a' }, answerField: 'answer' });
    assert.deepEqual(rendered.segments.at(-1), { text: 'a', trained: true });
  });

  it('rejects templates without exactly one final answer placeholder, and stray braces', () => {
    assert.throws(() => parseUserTemplate('Q: {question}', 't'), /no answer placeholder/);
    assert.throws(() => parseUserTemplate('{output} {response}', 't'), /2 answer placeholders/);
    assert.throws(() => parseUserTemplate('{answer} {question}', 't'), /placeholder follows the answer/);
    assert.throws(() => parseUserTemplate('{ question} {answer}', 't'), /does not start a \{field\} placeholder/);
    assert.throws(() => parseUserTemplate('x } {answer}', 't'), /closes no placeholder/);
  });
});

describe('all templates', () => {
  const cases: [PromptTemplate, Example][] = [
    [qaTemplate, question],
    [qaTemplate, withInput],
    [alpacaTemplate, question],
    [alpacaTemplate, withInput],
    [plainTemplate, withInput],
    [plainTemplate, { kind: 'text', text: 'abc' }],
    [chatTemplate(chatml), conversation],
    [chatTemplate(chatml), withInput],
    [parseUserTemplate('<{a}|{output}>', 'u'), { kind: 'fields', fields: { a: '1', output: '2' }, answerField: 'output' }],
  ];
  it('give the same prompt to generation as to training', () => {
    for (const [template, example] of cases) {
      assert.equal(template.renderPrompt(example).prompt, splitAtLastAnswer(template.render(example).segments).prompt, template.name);
    }
  });

  it('refuse examples they cannot render, naming the template to use', () => {
    assert.throws(() => qaTemplate.render(conversation), (e: Error) => e instanceof TunaInputError && /use --template chat/.test(e.message));
    assert.throws(() => alpacaTemplate.render({ kind: 'text', text: 'x' }), /use --template plain/);
    assert.throws(() => plainTemplate.render(conversation), /cannot render chat examples/);
  });

  it('have defaults per format and refuse unknown names', () => {
    assert.equal(defaultTemplateName('instruction'), 'alpaca');
    assert.equal(defaultTemplateName('question-answer'), 'qa');
    assert.equal(defaultTemplateName('conversations'), 'chat');
    assert.throws(() => builtinTemplate('vicuna'), /unknown template/);
  });
});
