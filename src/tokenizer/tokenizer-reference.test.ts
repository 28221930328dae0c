import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TunaInputError } from '../errors.js';
import type { ChatMessage } from './chat-template.js';
import { loadTokenizer } from './load-tokenizer.js';
import { TOKENIZER_FIXTURES } from './testing/fixture-folders.js';

// Written by reference/tokenizer_reference.py from the Rust tokenizers library and transformers + jinja2.
interface Reference {
  special_ids: { bos: number | null; eos: number | null; pad: number | null; unk: number | null };
  vocab_size: number;
  strings: { text: string; ids: number[]; ids_no_special: number[]; decoded: string; decoded_skip_special: string }[];
  chats: { messages: ChatMessage[]; add_generation_prompt: boolean; rendered?: string; ids?: number[]; error?: string }[];
}

for (const name of ['bpe-chatml', 'bpe-llama', 'llama-sp']) {
  const reference: Reference = JSON.parse(readFileSync(join(TOKENIZER_FIXTURES, `reference-${name}.json`), 'utf8'));
  const load = () => loadTokenizer(join(TOKENIZER_FIXTURES, name));

  describe(`${name} against the reference`, () => {
    test('special token ids and vocabulary size', async () => {
      const tok = await load();
      const { bos, eos, pad, unk } = reference.special_ids;
      assert.deepEqual([tok.bosTokenId, tok.eosTokenId, tok.padTokenId, tok.unkTokenId], [bos, eos, pad, unk].map((id) => id ?? undefined));
      assert.equal(tok.vocabSize, reference.vocab_size);
    });

    test('encode gives the same ids, with and without special tokens', async () => {
      const tok = await load();
      for (const c of reference.strings) {
        assert.deepEqual(tok.encode(c.text, { addSpecialTokens: false }), c.ids_no_special, JSON.stringify(c.text));
        // The reference adds a second BOS to a text that starts with one; Tuna does not.
        const doubled = c.ids.length > 1 && c.ids[0] === tok.bosTokenId && c.ids[1] === tok.bosTokenId;
        assert.deepEqual(tok.encode(c.text), doubled ? c.ids.slice(1) : c.ids, JSON.stringify(c.text));
      }
    });

    test('decode gives the same text, keeping or skipping special tokens', async () => {
      const tok = await load();
      for (const c of reference.strings) {
        assert.equal(tok.decode(c.ids), c.decoded, JSON.stringify(c.text));
        assert.equal(tok.decode(c.ids, { skipSpecialTokens: true }), c.decoded_skip_special, JSON.stringify(c.text));
      }
    });

    test('stream decoding one id at a time gives the decoded text', async () => {
      const tok = await load();
      for (const c of reference.strings) {
        for (const skipSpecialTokens of [false, true]) {
          const stream = tok.createStreamDecoder({ skipSpecialTokens });
          const pieces = c.ids.map((id) => stream.push(id));
          pieces.push(stream.flush());
          for (const piece of pieces) assert.ok(!piece.includes('\uFFFD') || c.text.includes('\uFFFD'), JSON.stringify(pieces));
          assert.equal(pieces.join(''), skipSpecialTokens ? c.decoded_skip_special : c.decoded, JSON.stringify(c.text));
        }
      }
    });

    test('chat templates render the same text and ids, with one BOS', async () => {
      const tok = await load();
      for (const c of reference.chats) {
        const render = () => tok.applyChatTemplate(c.messages, { addGenerationPrompt: c.add_generation_prompt });
        if (c.error !== undefined) {
          assert.throws(render, (e: unknown) => e instanceof TunaInputError && e.message.includes(c.error!) && e.message.includes('tokenizer_config.json'));
          continue;
        }
        const rendered = render();
        assert.equal(rendered, c.rendered);
        assert.deepEqual(tok.encode(rendered, { addSpecialTokens: false }), c.ids);
        assert.deepEqual(tok.encode(rendered), c.ids);
      }
    });
  });
}
