import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BYTE_ALPHABET, BYTE_TO_CHAR, byteLevelPieces, toByteLevel } from './byte-level.js';

test('the GPT-2 byte table: printable bytes stay, the rest move past U+00FF', () => {
  assert.equal(BYTE_TO_CHAR[0x41], 'A');
  assert.equal(BYTE_TO_CHAR[0x20], 'Ġ');
  assert.equal(BYTE_TO_CHAR[0x0a], 'Ċ');
  assert.equal(BYTE_TO_CHAR[0x00], 'Ā');
  assert.equal(BYTE_TO_CHAR[0xad], 'Ń'); // the 68th unprintable byte: U+0100 + 67
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  assert.deepEqual(BYTE_ALPHABET.slice(0, 3), ['!', '"', '#']);
  assert.equal(BYTE_ALPHABET[188], 'Ā');
});

test('byte-level pieces split like the ByteLevel pre-tokenizer', () => {
  assert.deepEqual(byteLevelPieces("Hello world! It's 42."), ['Hello', 'Ġworld', '!', 'ĠIt', "'s", 'Ġ42', '.']);
  // Whitespace before a word keeps its last character for the word: "\s+(?!\S)".
  assert.deepEqual(byteLevelPieces('a  b\n\nc'), ['a', 'Ġ', 'Ġb', 'Ċ', 'Ċ', 'c']);
  assert.equal(toByteLevel('é😀'), 'Ã©ðŁĺĢ');
});
