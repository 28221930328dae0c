import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import type { ChatExample, Example } from '../format/example.js';
import { IGNORE_LABEL, segmentsText } from './segments.js';
import type { PromptTemplate, RenderedExample } from './segments.js';
import { chatRendererOf } from './template-choice.js';
import { builtinTemplate } from '../templates/index.js';
import { parseUserTemplate } from '../templates/user-template.js';
import { tinyTokenizer } from '../testing/tiny-tokenizers.js';
import { addedSpecialTokens, segmentTokenizer } from './tokenize.js';

const conversation: ChatExample = {
  kind: 'chat',
  messages: [
    { role: 'user', content: 'What is Tuna?' },
    { role: 'assistant', content: 'A toolkit.' },
    { role: 'user', content: 'Does it need Python?' },
    { role: 'assistant', content: 'No.', weight: 0 },
    { role: 'user', content: 'Where does it run?' },
    { role: 'assistant', content: 'On your own machine.' },
  ],
};
const pair: Example = { kind: 'pair', prompt: 'What is the capital of France?', context: 'One word.', answer: 'Paris' };

function templates(style: 'chatml' | 'llama'): [PromptTemplate, Example][] {
  const tok = tinyTokenizer(style);
  const chat = builtinTemplate('chat', { chatRenderer: chatRendererOf(tok)! });
  const file = parseUserTemplate('Q: {question}\nA: {answer}\n--', 'file');
  return [
    [builtinTemplate('qa'), pair],
    [builtinTemplate('alpaca'), pair],
    [builtinTemplate('plain'), pair],
    [builtinTemplate('plain'), { kind: 'text', text: 'Hello world.' }],
    [chat, pair],
    [chat, conversation],
    [file, { kind: 'fields', fields: { question: 'Hi?', answer: 'Hello.' }, answerField: 'answer' }],
  ];
}

/** The ids before each trained run. */
function promptsBeforeTrainedRuns(ids: number[], labels: number[]): number[][] {
  return ids.flatMap((_, i) => (labels[i] !== IGNORE_LABEL && (i === 0 || labels[i - 1] === IGNORE_LABEL) ? [ids.slice(0, i)] : []));
}

describe('segmentTokenizer', () => {
  for (const style of ['chatml', 'llama'] as const) {
    const tok = tinyTokenizer(style);
    const tokenize = segmentTokenizer(tok);

    it(`${style}: the ids before every trained run are tok.encode(the text before it), as generation sees it`, () => {
      for (const [template, example] of templates(style)) {
        const rendered = template.render(example);
        const { inputIds, labels, boundaryMerge } = tokenize(rendered);
        assert.equal(boundaryMerge, false);
        const prompts = promptsBeforeTrainedRuns(inputIds, labels);
        const trainedStarts = rendered.segments.flatMap((s, i) => (s.trained ? [segmentsText(rendered.segments.slice(0, i))] : []));
        assert.equal(prompts.length, trainedStarts.length, template.name);
        prompts.forEach((ids, i) => assert.deepEqual(ids, tok.encode(trainedStarts[i]!), `${template.name}, trained part ${i + 1}`));
        // The last one is exactly what renderPrompt gives to generation (chat: unless the last assistant turn has weight 0).
        if (example.kind !== 'text') assert.deepEqual(prompts.at(-1), tok.encode(template.renderPrompt(example).prompt), template.name);
      }
    });

    it(`${style}: the ids decode to the rendered text, with the EOS of pair templates last and trained`, () => {
      const bosText = addedSpecialTokens(tok).prefix.length > 0 ? tok.bosToken! : '';
      for (const [template, example] of templates(style)) {
        const rendered = template.render(example);
        const { inputIds, labels } = tokenize(rendered);
        const text = segmentsText(rendered.segments);
        const expected = (text.startsWith(bosText) ? '' : bosText) + text + (rendered.appendEos ? tok.eosToken! : '');
        assert.equal(tok.decode(inputIds), expected, template.name);
        assert.equal(labels.length, inputIds.length);
        labels.forEach((label, i) => assert.ok(label === IGNORE_LABEL || label === inputIds[i]));
        if (rendered.appendEos) assert.equal(labels.at(-1), tok.eosTokenId);
      }
    });

    it(`${style}: trainOnInputs trains every token`, () => {
      const { inputIds, labels } = segmentTokenizer(tok, { trainOnInputs: true })(builtinTemplate('qa').render(pair));
      assert.deepEqual(labels, inputIds);
    });
  }

  it('adds BOS only when the tokenizer does and the text lacks it: never twice', () => {
    const llama = tinyTokenizer('llama');
    assert.deepEqual(addedSpecialTokens(llama), { prefix: [llama.bosTokenId!], suffix: [] });
    assert.deepEqual(addedSpecialTokens(tinyTokenizer('chatml')), { prefix: [], suffix: [] });
    const withBos = segmentTokenizer(llama)({ segments: [{ text: '<s>Hi', trained: false }, { text: ' there', trained: true }], appendEos: true });
    assert.deepEqual(withBos.inputIds.slice(0, 2), [llama.bosTokenId, ...llama.encode('Hi', { addSpecialTokens: false }).slice(0, 1)]);
    assert.equal(withBos.inputIds.filter((id) => id === llama.bosTokenId).length, 1);
  });

  it('keeps the answer EOS trained when the pad token is the EOS token', () => {
    const tok = tinyTokenizer('chatml', { pad_token: '<|im_end|>' });
    assert.equal(tok.padTokenId, tok.eosTokenId);
    const { inputIds, labels } = segmentTokenizer(tok)(builtinTemplate('qa').render(pair));
    assert.equal(inputIds.at(-1), tok.eosTokenId);
    assert.equal(labels.at(-1), tok.eosTokenId);
  });

  it('with add_eos_token, a pair still ends with one trained EOS', () => {
    const tok = tinyTokenizer('llama', { add_eos_token: true, tokenizer_class: 'LlamaTokenizerFast' });
    assert.deepEqual(addedSpecialTokens(tok).suffix, [tok.eosTokenId]);
    const { inputIds, labels } = segmentTokenizer(tok)(builtinTemplate('qa').render(pair));
    assert.equal(inputIds.filter((id) => id === tok.eosTokenId).length, 1);
    assert.equal(labels.at(-1), tok.eosTokenId);
  });

  it('does not train assistant turns with weight 0', () => {
    const tok = tinyTokenizer('chatml');
    const chat = builtinTemplate('chat', { chatRenderer: chatRendererOf(tok)! });
    const { inputIds, labels } = segmentTokenizer(tok)(chat.render(conversation));
    const trainedText = tok.decode(inputIds.filter((_, i) => labels[i] !== IGNORE_LABEL));
    assert.equal(trainedText, 'A toolkit.<|im_end|>\nOn your own machine.<|im_end|>\n');
  });

  it('on a BPE merge across the boundary keeps the prompt ids of generation and encodes the answer alone', () => {
    const tok = tinyTokenizer('chatml');
    const [prompt, answer] = ['Py', 'thon is fine'];
    const whole = tok.encode(prompt + answer);
    const alone = tok.encode(prompt);
    assert.notDeepEqual(whole.slice(0, alone.length), alone, 'the corpus merges across "Py|thon"');
    const rendered: RenderedExample = { segments: [{ text: prompt, trained: false }, { text: answer, trained: true }], appendEos: true };
    const result = segmentTokenizer(tok)(rendered);
    assert.equal(result.boundaryMerge, true);
    assert.deepEqual(result.inputIds.slice(0, alone.length), alone);
    assert.equal(tok.decode(result.inputIds.slice(alone.length, -1)), answer);
  });

  it('fails, naming the tokenizer, when an EOS must be appended and there is none', () => {
    const tok = tinyTokenizer('chatml', { eos_token: null });
    assert.throws(() => segmentTokenizer(tok)(builtinTemplate('qa').render(pair)), (e: unknown) => e instanceof TunaInputError && /tiny-chatml: the tokenizer names no eos_token/.test(e.message));
  });
});
