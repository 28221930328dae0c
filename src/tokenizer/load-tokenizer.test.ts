import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { TunaInputError } from '../errors.js';
import { buildByteLevelBpe } from './build-bpe.js';
import { loadTokenizer } from './load-tokenizer.js';
import { makeTempFolder } from './testing/temp-folder.js';

const chatml = buildByteLevelBpe({ vocabSize: 300, style: 'chatml' });
const llama = buildByteLevelBpe({ vocabSize: 300, style: 'llama' });

/** Asserts a TunaInputError whose message matches every pattern. */
async function rejectsWith(promise: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TunaInputError, `expected TunaInputError, got ${error}`);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

test('a missing folder or tokenizer.json is named', async () => {
  await rejectsWith(loadTokenizer('/nonexistent/tuna-model'), /\/nonexistent\/tuna-model: not a folder/);
  const folder = await makeTempFolder({ 'tokenizer_config.json': chatml.tokenizerConfig });
  await rejectsWith(loadTokenizer(folder), new RegExp(`${join(folder, 'tokenizer.json')}: file not found`));
});

test('broken JSON is reported with file, line and column', async () => {
  const folder = await makeTempFolder({ 'tokenizer.json': chatml.tokenizerJson, 'tokenizer_config.json': '{\n  "bos_token": "<s>",\n}\n' });
  await rejectsWith(loadTokenizer(folder), /tokenizer_config\.json:3:1: not valid JSON/);
  const other = await makeTempFolder({ 'tokenizer.json': '[1, 2]' });
  await rejectsWith(loadTokenizer(other), /tokenizer\.json: expected a JSON object/);
  const noModel = await makeTempFolder({ 'tokenizer.json': { version: '1.0' } });
  await rejectsWith(loadTokenizer(noModel), /tokenizer\.json: missing the "model" object/);
  const badGeneration = await makeTempFolder({ 'tokenizer.json': chatml.tokenizerJson, 'generation_config.json': { eos_token_id: 'two' } });
  await rejectsWith(loadTokenizer(badGeneration), /generation_config\.json: field "eos_token_id" must be a token id/);
});

test('special tokens as AddedToken objects, overridden by special_tokens_map.json', async () => {
  const folder = await makeTempFolder({
    'tokenizer.json': chatml.tokenizerJson,
    'tokenizer_config.json': { ...chatml.tokenizerConfig, bos_token: { content: '<|endoftext|>', lstrip: false, special: true }, pad_token: null },
    'special_tokens_map.json': { eos_token: { content: '<|endoftext|>' }, pad_token: '<|im_end|>' },
  });
  const tok = await loadTokenizer(folder);
  assert.deepEqual([tok.bosToken, tok.eosToken, tok.padToken], ['<|endoftext|>', '<|endoftext|>', '<|im_end|>']);
  assert.deepEqual([tok.bosTokenId, tok.eosTokenId, tok.padTokenId], [0, 0, 2]);
});

test('a BOS/EOS missing from the vocabulary is an error naming the field; a missing pad/unk is left unset', async () => {
  const folder = await makeTempFolder({ 'tokenizer.json': chatml.tokenizerJson, 'tokenizer_config.json': { eos_token: '<eos>' } });
  await rejectsWith(loadTokenizer(folder), /tokenizer_config\.json: eos_token "<eos>" is not in/);
  const unusedPad = await makeTempFolder({ 'tokenizer.json': chatml.tokenizerJson, 'tokenizer_config.json': { pad_token: '<pad>', unk_token: '<unk>' } });
  const tok = await loadTokenizer(unusedPad);
  assert.deepEqual([tok.padToken, tok.padTokenId, tok.unkToken, tok.unkTokenId], [undefined, undefined, undefined, undefined]);
  const wrongType = await makeTempFolder({ 'tokenizer.json': chatml.tokenizerJson, 'tokenizer_config.json': { bos_token: 7 } });
  await rejectsWith(loadTokenizer(wrongType), /field "bos_token" must be a string or an object with a "content" string/);
});

test('eosTokenIds joins the tokenizer EOS with generation_config (a list) or config.json', async () => {
  const withList = await makeTempFolder({
    'tokenizer.json': chatml.tokenizerJson,
    'tokenizer_config.json': chatml.tokenizerConfig,
    'generation_config.json': { eos_token_id: [0, 2] },
    'config.json': { eos_token_id: 1 },
  });
  assert.deepEqual((await loadTokenizer(withList)).eosTokenIds, [2, 0]);
  const fromConfig = await makeTempFolder({ 'tokenizer.json': chatml.tokenizerJson, 'tokenizer_config.json': chatml.tokenizerConfig, 'config.json': { eos_token_id: 0 } });
  assert.deepEqual((await loadTokenizer(fromConfig)).eosTokenIds, [2, 0]);
});

test('Llama tokenizer classes take BOS/EOS from add_bos_token/add_eos_token, like LlamaTokenizerFast', async () => {
  const folderWith = (config: object) =>
    makeTempFolder({ 'tokenizer.json': llama.tokenizerJson, 'tokenizer_config.json': { ...llama.tokenizerConfig, ...config } }).then(loadTokenizer);
  const hi = [3 + 0x48 - 0x21, 3 + 0x69 - 0x21];
  // tokenizer.json's post-processor adds <s> (id 1).
  assert.deepEqual((await folderWith({})).encode('Hi'), [1, ...hi]);
  assert.deepEqual((await folderWith({ tokenizer_class: 'PreTrainedTokenizerFast', add_bos_token: false })).encode('Hi'), [1, ...hi]);
  const noBos = await folderWith({ tokenizer_class: 'LlamaTokenizerFast', add_bos_token: false });
  assert.deepEqual(noBos.encode('Hi'), hi);
  assert.equal(noBos.specialTokensSource, 'add_bos_token/add_eos_token');
  assert.deepEqual((await folderWith({ tokenizer_class: 'LlamaTokenizer', add_eos_token: true })).encode('Hi'), [1, ...hi, 2]);
  assert.deepEqual((await folderWith({ tokenizer_class: 'GemmaTokenizerFast' })).encode('Hi', { addSpecialTokens: false }), hi);
  await rejectsWith(folderWith({ tokenizer_class: 'LlamaTokenizer', bos_token: null }), /add_bos_token is true but no bos_token is set/);
});

test('no double BOS when the text already starts with it', async () => {
  const folder = await makeTempFolder({ 'tokenizer.json': llama.tokenizerJson, 'tokenizer_config.json': llama.tokenizerConfig });
  const tok = await loadTokenizer(folder);
  const rendered = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }]);
  assert.ok(rendered.startsWith('<s>[INST] Hi [/INST]'));
  const ids = tok.encode(rendered);
  assert.equal(ids[0], 1);
  assert.notEqual(ids[1], 1);
  assert.deepEqual(ids, tok.encode(rendered, { addSpecialTokens: false }));
  // A BOS later in the text is left alone, and a plain text still gets one.
  assert.deepEqual(tok.encode('x<s>').slice(0, 1), [1]);
  assert.equal(tok.encode('x<s>').filter((id) => id === 1).length, 2);
});
