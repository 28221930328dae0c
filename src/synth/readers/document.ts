// A document as synth reads it: plain text to chunk, with the source line of each part, so a
// chunk can name the lines it came from even when the text was extracted (HTML, records).

export const DOCUMENT_KINDS = ['text', 'markdown', 'html', 'faq', 'transcript', 'channel'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** An offset in the document's text and the 1-based line of the source file it comes from. */
export interface LineAnchor {
  offset: number;
  line: number;
}

export interface SynthDocument {
  file: string;
  kind: DocumentKind;
  text: string;
  /** Ascending offsets; the text from one anchor to the next comes from the anchor's line on. */
  anchors: LineAnchor[];
  /** Parts of the file that could not be read and were left out (records that fit no shape). */
  warnings: string[];
}

/** The source line of a text offset: the line of the last anchor at or before it. */
export function lineAt(document: Pick<SynthDocument, 'anchors'>, offset: number): number {
  const anchors = document.anchors;
  let lo = 0;
  let hi = anchors.length - 1;
  if (hi < 0) return 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (anchors[mid]!.offset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return anchors[lo]!.offset <= offset ? anchors[lo]!.line : anchors[0]!.line;
}

/** Anchors at every line start of a text that is the file itself. */
export function lineStartAnchors(text: string): LineAnchor[] {
  const anchors: LineAnchor[] = [{ offset: 0, line: 1 }];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) anchors.push({ offset: i + 1, line: anchors.length + 1 });
  return anchors;
}

/** Builds a document from parts, each from a known source line, joined by blank lines. */
export class DocumentBuilder {
  private text = '';
  private readonly anchors: LineAnchor[] = [];

  /** Adds a paragraph (a record, a thread, an HTML block) that starts on `line`. */
  paragraph(text: string, line: number): void {
    const body = text.trim();
    if (body === '') return;
    if (this.text !== '') this.text += '\n\n';
    this.anchors.push({ offset: this.text.length, line });
    this.text += body;
  }

  /** Adds text to the current paragraph; `line` is where this piece starts in the source. */
  append(text: string, line: number): void {
    if (text === '') return;
    const last = this.anchors[this.anchors.length - 1];
    if (!last || last.line !== line) this.anchors.push({ offset: this.text.length, line });
    this.text += text;
  }

  get length(): number {
    return this.text.length;
  }

  build(file: string, kind: DocumentKind, warnings: string[] = []): SynthDocument {
    return { file, kind, text: this.text, anchors: this.anchors, warnings };
  }
}
