/**
 * GPT-2's byte-to-character table: printable Latin-1 bytes stand for themselves, the other bytes
 * (controls, space, soft hyphen, ...) map to U+0100 onwards in byte order, so every byte is a visible char.
 */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** The 256 byte symbols in code-point order: GPT-2's vocabulary order and the BPE trainer's initial alphabet. */
export const BYTE_ALPHABET: readonly string[] = [...BYTE_TO_CHAR].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);

/** The split pattern of the ByteLevel pre-tokenizer (use_regex: true): contractions, words, numbers, punctuation, spaces. */
export const GPT2_SPLIT_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const encoder = new TextEncoder();

/** The byte-level form of a text: its UTF-8 bytes, each written as its table character. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const byte of encoder.encode(text)) out += BYTE_TO_CHAR[byte];
  return out;
}

/** The pre-tokenized pieces of a text, as the ByteLevel pre-tokenizer (no prefix space) produces them. */
export function byteLevelPieces(text: string): string[] {
  return (text.match(GPT2_SPLIT_PATTERN) ?? []).map(toByteLevel);
}

function buildByteToChar(): string[] {
  const table: string[] = new Array(256);
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    table[byte] = String.fromCodePoint(printable(byte) ? byte : next++);
  }
  return table;
}
