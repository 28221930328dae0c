// The text of an HTML page, for reading rather than rendering: scripts, styles and markup go,
// blocks become lines and paragraphs, headings keep a Markdown `#`, list items a `- `, table
// cells a ` | `, entities are decoded, and every piece remembers its source line.
import { DocumentBuilder, type SynthDocument } from './document.js';
import { decodeEntities } from './html-entities.js';

/** Elements whose content is not text to read. */
const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas', 'select']);
/** Elements that start and end a paragraph (a blank line around them). */
const PARAGRAPHS = new Set([
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'table', 'ul', 'ol', 'dl', 'section', 'article', 'header',
  'footer', 'title', 'figure', 'hr', 'main', 'nav', 'aside', 'details', 'address', 'fieldset', 'body', 'html',
]);
/** Elements that start and end a line. */
const LINES = new Set(['br', 'li', 'tr', 'div', 'dt', 'dd', 'caption', 'summary', 'option', 'form', 'figcaption', 'legend']);

function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** End of a tag that starts at `start` (`<`): the index after its `>`, skipping quoted attribute values. */
function tagEnd(source: string, start: number): number {
  let quote: string | null = null;
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return source.length;
}

class TextWriter {
  readonly doc = new DocumentBuilder();
  private pendingBreak = 0;
  private pendingSpace = false;
  private pendingPrefix = '';

  constructor(private readonly lines: number[]) {}

  /** Asks for `level` newlines (1: a line, 2: a paragraph) before the next text. */
  lineBreak(level: number): void {
    this.pendingBreak = Math.max(this.pendingBreak, level);
    this.pendingSpace = false;
  }

  /** Text to put before the next word (a list bullet, a heading mark, a cell separator). */
  prefix(text: string): void {
    this.pendingPrefix = text;
  }

  /** Flowing text: runs of whitespace become one space. */
  words(text: string, sourceOffset: number): void {
    const pattern = /\S+/g;
    let match: RegExpExecArray | null;
    let last = 0;
    while ((match = pattern.exec(text))) {
      if (match.index > last) this.pendingSpace = true;
      this.emit(match[0], sourceOffset + match.index);
      last = match.index + match[0].length;
    }
    if (last < text.length) this.pendingSpace = true;
  }

  /** Preformatted text, kept as written (one line at a time so each keeps its source line). */
  preformatted(text: string, sourceOffset: number): void {
    let at = 0;
    for (const piece of text.split(/(?<=\n)/)) {
      this.emit(piece, sourceOffset + at, true);
      at += piece.length;
    }
  }

  private emit(text: string, sourceOffset: number, raw = false): void {
    const decoded = decodeEntities(text).replace(/\u00a0/g, raw ? '\u00a0' : ' ');
    if (decoded === '') return;
    let lead = '';
    if (this.doc.length > 0) lead = this.pendingBreak > 0 ? '\n'.repeat(this.pendingBreak) : this.pendingSpace && !this.pendingPrefix.startsWith(' ') ? ' ' : '';
    this.doc.append(lead + this.pendingPrefix, this.lineFor(sourceOffset));
    this.doc.append(decoded, this.lineFor(sourceOffset));
    this.pendingBreak = 0;
    this.pendingSpace = false;
    this.pendingPrefix = '';
  }

  private lineFor(offset: number): number {
    return lineOf(this.lines, offset);
  }
}

/** The readable text of an HTML file, as a document whose anchors point at source lines. */
export function htmlToDocument(source: string, file: string): SynthDocument {
  const out = new TextWriter(lineStarts(source));
  let pre = 0;
  let cells = 0;
  let i = 0;
  const text = (from: number, to: number) => {
    if (to <= from) return;
    const run = source.slice(from, to);
    if (pre > 0) out.preformatted(run, from);
    else out.words(run, from);
  };
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    if (lt === -1) {
      text(i, source.length);
      break;
    }
    text(i, lt);
    if (source.startsWith('<!--', lt)) {
      const end = source.indexOf('-->', lt + 4);
      i = end === -1 ? source.length : end + 3;
      continue;
    }
    if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt + 9);
      text(lt + 9, end === -1 ? source.length : end);
      i = end === -1 ? source.length : end + 3;
      continue;
    }
    const tag = /^<(\/?)([A-Za-z][A-Za-z0-9-]*)/.exec(source.slice(lt, lt + 64));
    if (!tag) {
      if (source[lt + 1] === '!' || source[lt + 1] === '?') {
        i = tagEnd(source, lt);
        continue;
      }
      // A lone "<" in text.
      text(lt, lt + 1);
      i = lt + 1;
      continue;
    }
    const closing = tag[1] === '/';
    const name = tag[2]!.toLowerCase();
    const end = tagEnd(source, lt);
    const selfClosing = source[end - 2] === '/';
    i = end;
    if (!closing && SKIPPED.has(name) && !selfClosing) {
      const closeTag = new RegExp(`</${name}[\\s/>]`, 'ig');
      closeTag.lastIndex = end;
      const close = closeTag.exec(source);
      i = close ? tagEnd(source, close.index) : source.length;
      continue;
    }
    if (name === 'pre') pre = Math.max(0, pre + (closing ? -1 : 1));
    if (PARAGRAPHS.has(name)) out.lineBreak(2);
    else if (LINES.has(name)) out.lineBreak(1);
    if (closing) continue;
    const heading = /^h([1-6])$/.exec(name);
    if (heading) out.prefix(`${'#'.repeat(Number(heading[1]))} `);
    else if (name === 'li') out.prefix('- ');
    else if (name === 'tr') cells = 0;
    else if (name === 'td' || name === 'th') {
      if (cells++ > 0) out.prefix(' | ');
    }
  }
  return out.doc.build(file, 'html');
}
