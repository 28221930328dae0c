import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TunaInputError } from '../errors.js';
import { buildByteLevelBpe } from './build-bpe.js';
import { chatMlTemplate } from './chat-template-presets.js';
import { loadTokenizer } from './load-tokenizer.js';
import { makeTempFolder } from './testing/temp-folder.js';
import { Tokenizer } from './tokenizer.js';

const built = buildByteLevelBpe({ vocabSize: 300, style: 'chatml' });
const withConfig = (config: object, chatTemplate?: string) =>
  new Tokenizer({ folder: '/models/m', tokenizerJson: built.tokenizerJson, tokenizerConfig: { ...built.tokenizerConfig, ...config }, chatTemplate });

const hello = [{ role: 'user', content: 'Hello' }];

test('ChatML golden strings, with and without the generation prompt', () => {
  const tok = withConfig({});
  assert.equal(
    tok.applyChatTemplate(hello),
    '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n',
  );
  assert.equal(
    tok.applyChatTemplate([{ role: 'system', content: "It's me" }, ...hello, { role: 'assistant', content: 'Hi!' }], { addGenerationPrompt: true }),
    "<|im_start|>system\nIt's me<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi!<|im_end|>\n<|im_start|>assistant\n",
  );
});

test('a custom default system prompt is escaped into the template', () => {
  const tok = withConfig({ chat_template: chatMlTemplate("Be 'brief' \\ kind") });
  assert.ok(tok.applyChatTemplate(hello).startsWith("<|im_start|>system\nBe 'brief' \\ kind<|im_end|>\n"));
});

test('passes the variables transformers passes', () => {
  const template =
    '{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{{ unk_token }}|{{ add_generation_prompt }}|' +
    '{{ tools | length if tools else "none" }}|{{ documents is none }}|{{ enable_thinking }}|{{ messages | length }}';
  const tok = withConfig({ chat_template: template });
  assert.equal(
    tok.applyChatTemplate(hello, { addGenerationPrompt: true, tools: [{ type: 'function' }], variables: { enable_thinking: false } }),
    '<|im_start|>|<|im_end|>|<|endoftext|>|<|endoftext|>|true|1|true|false|1',
  );
  assert.match(withConfig({ chat_template: "{{ strftime_now('%Y') }}" }).applyChatTemplate([]), /^\d{4}$/);
});

test('named templates: default, tool_use when tools are given, or by name', () => {
  const tok = withConfig({
    chat_template: [
      { name: 'default', template: 'D' },
      { name: 'tool_use', template: 'T{{ tools | length }}' },
      { name: 'rag', template: 'R' },
    ],
  });
  assert.equal(tok.applyChatTemplate(hello), 'D');
  assert.equal(tok.applyChatTemplate(hello, { tools: [{}, {}] }), 'T2');
  assert.equal(tok.applyChatTemplate(hello, { templateName: 'rag' }), 'R');
  assert.throws(() => tok.applyChatTemplate(hello, { templateName: 'nope' }), /no chat template named "nope"; available: default, tool_use, rag/);
  const noDefault = withConfig({ chat_template: [{ name: 'rag', template: 'R' }] });
  assert.throws(() => noDefault.applyChatTemplate(hello), /no chat template named "default"; available: rag/);
});

test('chat_template.jinja wins over tokenizer_config.json', async () => {
  const folder = await makeTempFolder({
    'tokenizer.json': built.tokenizerJson,
    'tokenizer_config.json': built.tokenizerConfig,
    'chat_template.jinja': '{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}',
  });
  const tok = await loadTokenizer(folder);
  assert.equal(tok.applyChatTemplate(hello), '[user]Hello');
  assert.ok(tok.hasChatTemplate);
});

test('template errors name the file: syntax, raise_exception, missing template, bad config', async () => {
  const isInputError = (pattern: RegExp) => (e: unknown) => e instanceof TunaInputError && pattern.test(e.message);
  assert.throws(() => withConfig({ chat_template: '{% if %}' }).applyChatTemplate(hello), isInputError(/^\/models\/m\/tokenizer_config\.json \(chat_template\): chat template does not parse/));
  assert.throws(
    () => withConfig({ chat_template: "{{ raise_exception('Only user turns') }}" }).applyChatTemplate(hello),
    isInputError(/tokenizer_config\.json \(chat_template\): chat template failed: Only user turns/),
  );
  assert.throws(() => withConfig({}, '{% for %}').applyChatTemplate(hello), isInputError(/^\/models\/m\/chat_template\.jinja: chat template does not parse/));
  const none = withConfig({ chat_template: undefined });
  assert.equal(none.hasChatTemplate, false);
  assert.throws(() => none.applyChatTemplate(hello), isInputError(/^\/models\/m: the tokenizer has no chat template/));
  assert.throws(() => withConfig({ chat_template: 42 }), isInputError(/"chat_template" must be a string or a list of \{name, template\}/));
  assert.throws(() => withConfig({ chat_template: [{ name: 'x' }] }), isInputError(/needs a "name" and a "template" string/));
});
