import { fileURLToPath } from 'node:url';
import type { BuildBpeOptions } from '../build-bpe.js';

/** fixtures/tokenizer/ at the repository root. */
export const TOKENIZER_FIXTURES = fileURLToPath(new URL('../../../fixtures/tokenizer/', import.meta.url));

/** The built tokenizers committed under fixtures/tokenizer/<name>/, which reference/tokenizer_reference.py reads. */
export const BUILT_FIXTURES: Record<string, BuildBpeOptions> = {
  'bpe-chatml': { vocabSize: 512, style: 'chatml' },
  'bpe-llama': { vocabSize: 512, style: 'llama' },
};

/** A SentencePiece-style Llama tokenizer (byte fallback, 512 pieces) with a Llama-2 chat template. */
export const LLAMA_SP_FIXTURE = 'llama-sp';

/** The strings every reference fixture tokenizes: spacing, newlines, Unicode, emoji, special tokens inside text. */
export const TRICKY_STRINGS: readonly string[] = [
  '',
  'Hello world',
  ' leading space',
  'trailing space ',
  'two  spaces and   three',
  '\n',
  'line one\nline two\n\nline four',
  '\ttab\tseparated',
  'a\r\nb',
  '   ',
  "don't won't it's we'll",
  '1234567890 3.14 -42',
  'café naïve Zürich crème brûlée',
  'e\u0301 versus \u00e9',
  '日本語のテキスト',
  'emoji 😀👍🏽 family 👨‍👩‍👧 flag 🇫🇷',
  '<|im_start|>user\nhi there<|im_end|>\n',
  '<s>Hello</s>',
  'text with <s> inside and </s> too',
  '<|endoftext|><|endoftext|>',
  '<s><s>double',
  'Ġ and ▁ and <0x41> written out',
  'replacement \uFFFD char',
];
