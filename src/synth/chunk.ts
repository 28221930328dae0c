// Chunks of a document by tokens, with overlap. Cuts fall between words, at the strongest
// boundary in the back half of the chunk (paragraph > sentence at a line end > sentence > line),
// and every chunk's count is checked on its own text, so none exceeds the size.
import type { Tokenizer } from '../tokenizer/index.js';

export interface TokenCounter {
  /** How tokens are counted, for the summary: a tokenizer folder, or the approximation. */
  name: string;
  count(text: string): number;
}

/** Without a tokenizer: one token per 4 characters, rounded up (the usual rule of thumb for English). */
export const APPROXIMATE_COUNTER: TokenCounter = { name: 'approximate (4 characters per token)', count: (text) => Math.ceil(text.length / 4) };

export function tokenizerCounter(tokenizer: Tokenizer, name: string): TokenCounter {
  return { name, count: (text) => tokenizer.encode(text, { addSpecialTokens: false }).length };
}

export interface ChunkOptions {
  /** Most tokens in a chunk. */
  size: number;
  /** Tokens at the end of one chunk that the next repeats (less than size). */
  overlap: number;
  counter: TokenCounter;
}

export interface Chunk {
  index: number;
  /** Offsets of the chunk in the document's text, UTF-16 code units, end exclusive. */
  start: number;
  end: number;
  text: string;
  tokens: number;
}

interface Piece {
  start: number;
  end: number;
  /** Tokens of the piece with the whitespace before it. */
  tokens: number;
  /** How good a cut just before this piece is (0: between words ... 4: between paragraphs). */
  boundary: number;
}

function boundaryBefore(text: string, previousEnd: number, start: number): number {
  if (previousEnd < 0) return 4;
  const gap = text.slice(previousEnd, start);
  if (/\n[ \t\r\f\v]*\n/.test(gap)) return 4;
  const sentence = /[.!?:;]["')\]]*$/.test(text.slice(Math.max(0, previousEnd - 3), previousEnd));
  if (gap.includes('\n')) return sentence || text[start] === '#' || text[start] === '-' || text[start] === '*' ? 3 : 1;
  return sentence ? 2 : 0;
}

/** Words (runs of non-space) with their token counts; a word longer than `size` tokens is cut into parts. */
function pieces(text: string, size: number, counter: TokenCounter): Piece[] {
  const out: Piece[] = [];
  const word = /\S+/g;
  let previousEnd = -1;
  let match: RegExpExecArray | null;
  while ((match = word.exec(text))) {
    const start = match.index;
    const end = start + match[0].length;
    const boundary = boundaryBefore(text, previousEnd, start);
    const from = previousEnd < 0 ? start : previousEnd;
    const tokens = counter.count(text.slice(from, end));
    if (tokens <= size) out.push({ start, end, tokens, boundary });
    else {
      // A run with no space that is longer than a chunk (a URL, a table of digits): equal parts.
      const parts = Math.ceil((tokens * 1.25) / size);
      const step = Math.ceil((end - start) / parts);
      for (let at = start; at < end; at += step) {
        const partEnd = Math.min(end, at + step);
        out.push({ start: at, end: partEnd, tokens: counter.count(text.slice(at, partEnd)), boundary: at === start ? boundary : 0 });
      }
    }
    previousEnd = end;
  }
  return out;
}

/** Splits text into chunks of at most `size` tokens; consecutive chunks share up to `overlap` tokens. */
export function chunkText(text: string, options: ChunkOptions): Chunk[] {
  const { size, overlap, counter } = options;
  if (!(size >= 1) || !(overlap >= 0) || overlap >= size) throw new RangeError(`chunk size ${size} and overlap ${overlap}: need 0 <= overlap < size`);
  const words = pieces(text, size, counter);
  const chunks: Chunk[] = [];
  let i = 0;
  while (i < words.length) {
    // The furthest end that fits, counting the first word without the space before it.
    let total = counter.count(text.slice(words[i]!.start, words[i]!.end));
    let j = i + 1;
    while (j < words.length && total + words[j]!.tokens <= size) total += words[j++]!.tokens;
    let end = j;
    if (j < words.length) {
      // The strongest boundary whose chunk keeps at least half the size; the later one on a tie.
      let best = j;
      let tokens = total;
      for (let k = j - 1; k > i && tokens - words[k]!.tokens >= size / 2; k--) {
        tokens -= words[k]!.tokens;
        if (words[k]!.boundary > words[best]!.boundary) best = k;
      }
      end = best;
    }
    let chunk = text.slice(words[i]!.start, words[end - 1]!.end);
    let count = counter.count(chunk);
    while (count > size && end > i + 1) {
      end--;
      chunk = text.slice(words[i]!.start, words[end - 1]!.end);
      count = counter.count(chunk);
    }
    chunks.push({ index: chunks.length, start: words[i]!.start, end: words[end - 1]!.end, text: chunk, tokens: count });
    if (end >= words.length) break;
    // The next chunk starts far enough back to repeat at most `overlap` tokens, and always moves on.
    let next = end;
    let repeated = 0;
    while (next - 1 > i && repeated + words[next - 1]!.tokens <= overlap) repeated += words[--next]!.tokens;
    i = next;
  }
  return chunks;
}

/** UTF-16 offsets as Unicode code point offsets (what Python's str indexes count). */
export function codePointOffsets(text: string): (offset: number) => number {
  if (!/[\ud800-\udbff]/.test(text)) return (offset) => offset;
  const surrogatesBefore = new Uint32Array(text.length + 1);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    surrogatesBefore[i + 1] = surrogatesBefore[i]! + (code >= 0xdc00 && code <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff ? 1 : 0);
  }
  return (offset) => offset - surrogatesBefore[offset]!;
}
