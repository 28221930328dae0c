// Golden tokenization: fixed records through every template and both tokenizer styles, asserted
// id for id against fixtures/data/golden-tokenized.json. After a deliberate change, regenerate with
// TUNA_UPDATE_GOLDEN=1 node --import tsx --test src/data/golden.test.ts and review the diff.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BpeStyle } from '../tokenizer/index.js';
import type { ChatExample, Example, PairExample, TextExample } from './format/example.js';
import { packExamples } from './tokenize/pack.js';
import { segmentsText } from './tokenize/segments.js';
import { chatRendererOf } from './tokenize/template-choice.js';
import { builtinTemplate } from './templates/index.js';
import { tinyTokenizer } from './testing/tiny-tokenizers.js';
import { segmentTokenizer } from './tokenize/tokenize.js';

const GOLDEN = join(import.meta.dirname, '../../fixtures/data/golden-tokenized.json');

const qa: PairExample = { kind: 'pair', prompt: 'What is Tuna?', answer: 'A toolkit.' };
const alpaca: PairExample = { kind: 'pair', prompt: 'Name the capital of France.', context: 'One word.', answer: 'Paris' };
const text: TextExample = { kind: 'text', text: 'Hello world.' };
const chat: ChatExample = {
  kind: 'chat',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello!', weight: 0 },
    { role: 'user', content: 'And again?' },
    { role: 'assistant', content: 'Hello world' },
  ],
};
const packed: PairExample[] = [
  qa,
  { kind: 'pair', prompt: 'Does it need Python?', answer: 'No.' },
  { kind: 'pair', prompt: 'Where does it run?', answer: 'On your own machine.' },
];

type Golden = Record<string, Record<string, unknown>>;

function tokenizeCase(style: BpeStyle, template: string, example: Example): Record<string, unknown> {
  const tok = tinyTokenizer(style);
  const rendered = builtinTemplate(template, { chatRenderer: chatRendererOf(tok)! }).render(example);
  const { inputIds, labels } = segmentTokenizer(tok)(rendered);
  return { text: segmentsText(rendered.segments), input_ids: inputIds, labels };
}

function packedCase(style: BpeStyle): Record<string, unknown> {
  const tok = tinyTokenizer(style);
  const tokenize = segmentTokenizer(tok);
  const rows = packExamples(
    packed.map((x) => tokenize(builtinTemplate('qa').render(x))),
    64,
  );
  return { rows: rows.map((r) => ({ input_ids: r.inputIds, labels: r.labels, position_ids: r.positionIds, segment_ids: r.segmentIds, lengths: r.lengths })) };
}

function computeGolden(): Golden {
  const golden: Golden = {};
  for (const style of ['chatml', 'llama'] as const) {
    golden[style] = {
      qa: tokenizeCase(style, 'qa', qa),
      alpaca: tokenizeCase(style, 'alpaca', alpaca),
      plain: tokenizeCase(style, 'plain', text),
      chat: tokenizeCase(style, 'chat', chat),
      packed: packedCase(style),
    };
  }
  return golden;
}

// Number arrays on one line keep the fixture readable and its diffs small.
function formatGolden(golden: Golden): string {
  return `${JSON.stringify(golden, null, 2).replace(/\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]/g, (_, body: string) => `[${body.replace(/\s+/g, '')}]`)}\n`;
}

describe('golden tokenization', async () => {
  const actual = computeGolden();
  if (process.env.TUNA_UPDATE_GOLDEN === '1') await writeFile(GOLDEN, formatGolden(actual));
  const expected = JSON.parse(await readFile(GOLDEN, 'utf8')) as Golden;

  for (const style of ['chatml', 'llama'] as const) {
    for (const name of ['qa', 'alpaca', 'plain', 'chat', 'packed']) {
      it(`${style} ${name}: text, input_ids and labels as committed`, () => {
        assert.deepEqual(actual[style]![name], expected[style]![name]);
      });
    }
  }

  it('the committed values say what the rules say', () => {
    const chatml = expected.chatml!;
    const llama = expected.llama!;
    const ids = (c: unknown) => (c as { input_ids: number[] }).input_ids;
    const labels = (c: unknown) => (c as { labels: number[] }).labels;
    const chatmlTok = tinyTokenizer('chatml');
    const llamaTok = tinyTokenizer('llama');
    // chatml adds no BOS; llama adds one, never two (its chat text already starts with <s>).
    assert.notEqual(ids(chatml.qa)[0], chatmlTok.bosTokenId);
    assert.equal(ids(llama.qa)[0], llamaTok.bosTokenId);
    assert.equal(ids(llama.chat).filter((id, i) => i < 2 && id === llamaTok.bosTokenId).length, 1);
    // The EOS ends pair and text examples, trained.
    for (const [style, tok] of [[chatml, chatmlTok], [llama, llamaTok]] as const) {
      for (const name of ['qa', 'alpaca', 'plain']) {
        assert.equal(ids(style[name]).at(-1), tok.eosTokenId);
        assert.equal(labels(style[name]).at(-1), tok.eosTokenId);
      }
    }
    // The plain text example is trained whole (but for llama's BOS).
    assert.deepEqual(labels(chatml.plain), ids(chatml.plain));
    assert.deepEqual(labels(llama.plain).slice(1), ids(llama.plain).slice(1));
  });
});
