/** generateText on a tiny random model: streaming, stop strings, EOS, budgets, chat prompts, context errors. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TunaInputError } from '../errors.js';
import { CausalLM } from '../models/model.js';
import { tempRoot, tinyModelFolder } from '../models/testing/tiny-model-folder.js';
import { Runtime } from '../runtime/runtime.js';
import { buildByteLevelBpe, loadTokenizer, writeTokenizerFiles, type Tokenizer } from '../tokenizer/index.js';
import { generateText, type GenerateTextOptions } from './generate-text.js';
import { chatMessages, encodePrompt } from './prompt.js';

let rt: Runtime;
let model: CausalLM;
let tok: Tokenizer;
before(async () => {
  rt = new Runtime({ threads: 1 });
  const dir = await tinyModelFolder('llama');
  model = await CausalLM.load(dir);
  tok = await loadTokenizer(dir);
});
after(() => rt.close());

async function run(prompt: string, options: Partial<GenerateTextOptions> = {}) {
  const pieces: string[] = [];
  const result = await generateText(rt, model, tok, prompt, { maxNewTokens: 12, ...options, onText: (t) => pieces.push(t) });
  return { ...result, streamed: pieces.join(''), pieces };
}

test('streams the same text it returns, the decoding of the generated ids', async () => {
  const out = await run('The weather today is');
  assert.equal(out.completionTokens, 12);
  assert.equal(out.tokens.length, 12);
  assert.equal(out.finishReason, 'length');
  assert.equal(out.promptTokens, tok.encode('The weather today is').length);
  assert.equal(out.streamed, out.text);
  assert.equal(out.text, tok.decode(out.tokens, { skipSpecialTokens: true }));
  assert.ok(out.pieces.length > 1, 'text arrives in pieces');
  assert.ok(out.seconds > 0);
});

test('a stop string ends generation; the text before it is returned and streamed, the stop string is not', async () => {
  const full = await run('Once upon a time', { maxNewTokens: 16 });
  // A stop string that starts in the middle of the generated text (its tokens are repetitive here).
  const stop = full.text.slice(Math.floor(full.text.length / 2), Math.floor(full.text.length / 2) + 3);
  assert.ok(stop.length > 0);
  const out = await run('Once upon a time', { maxNewTokens: 16, stop: [stop] });
  assert.equal(out.text, full.text.slice(0, full.text.indexOf(stop)));
  assert.equal(out.streamed, out.text);
  assert.equal(out.finishReason, 'stop');
  assert.ok(out.completionTokens < 16);
});

test('an EOS id ends generation and is not part of the output', async () => {
  const first = (await run('Hello', { maxNewTokens: 1 })).tokens[0]!;
  const out = await run('Hello', { eosTokenIds: [first] });
  assert.deepEqual(out.tokens, []);
  assert.equal(out.text, '');
  assert.equal(out.finishReason, 'stop');
});

test('sampling with a seed repeats; another seed differs', async () => {
  const options = { temperature: 1.5, topK: 50, topP: 0.95, maxNewTokens: 16 };
  const a = await run('Numbers:', { ...options, seed: 1 });
  const b = await run('Numbers:', { ...options, seed: 1 });
  const c = await run('Numbers:', { ...options, seed: 2 });
  assert.deepEqual(a.tokens, b.tokens);
  assert.notDeepEqual(a.tokens, c.tokens);
});

test('a chat prompt is rendered with the generation prompt and generates', async () => {
  const messages = chatMessages('What is 2 + 2?', 'Answer briefly.');
  const ids = encodePrompt(tok, { messages });
  const text = tok.applyChatTemplate(messages, { addGenerationPrompt: true });
  assert.match(text, /^<\|im_start\|>system\nAnswer briefly\.<\|im_end\|>\n<\|im_start\|>user\nWhat is 2 \+ 2\?<\|im_end\|>\n<\|im_start\|>assistant\n$/);
  assert.deepEqual(ids, tok.encode(text, { addSpecialTokens: false }));
  const out = await generateText(rt, model, tok, { messages }, { maxNewTokens: 4 });
  assert.equal(out.promptTokens, ids.length);
});

test('a chat template that writes BOS itself gets exactly one BOS', async () => {
  const dir = join(await tempRoot(), 'llama-style-tokenizer');
  await writeTokenizerFiles(dir, buildByteLevelBpe({ vocabSize: 300, style: 'llama' }));
  const llamaTok = await loadTokenizer(dir);
  const ids = encodePrompt(llamaTok, { messages: chatMessages('Hi there') });
  assert.equal(ids[0], llamaTok.bosTokenId);
  assert.notEqual(ids[1], llamaTok.bosTokenId);
  assert.equal(ids.filter((id) => id === llamaTok.bosTokenId).length, 1);
  assert.equal(encodePrompt(llamaTok, 'Hi')[0], llamaTok.bosTokenId, 'plain text keeps the tokenizer BOS rule');
});

test('a prompt that fills the context is an input error', async () => {
  const long = 'word '.repeat(model.config.maxPositionEmbeddings);
  await assert.rejects(run(long), (e) => e instanceof TunaInputError && /max_position_embeddings/.test(e.message) && /512/.test(e.message));
  await assert.rejects(run(''), TunaInputError);
});
