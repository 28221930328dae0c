import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import { TunaInputError } from '../../errors.js';

/** One line of a text file, without its line ending. */
export interface TextLine {
  text: string;
  /** 1-based line number. */
  line: number;
}

const LF = 0x0a;
const CR = 0x0d;

function hasBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

// ignoreBOM keeps U+FEFF: the BOM is stripped by hand, only at the start of the file.
function strictDecoder(): TextDecoder {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
}

function notUtf8(file: string, line: number): TunaInputError {
  return new TunaInputError(
    `${file}:${line}: the file is not valid UTF-8 text. ` +
      `Save it as UTF-8 (for example \`iconv -f latin1 -t utf-8 ${file} > fixed${extensionOf(file)}\`).`,
  );
}

function extensionOf(file: string): string {
  const dot = file.lastIndexOf('.');
  return dot > file.lastIndexOf('/') ? file.slice(dot) : '';
}

function decodeLine(decoder: TextDecoder, bytes: Uint8Array, file: string, line: number): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
  try {
    return decoder.decode(bytes.subarray(0, end));
  } catch {
    throw notUtf8(file, line);
  }
}

/**
 * Decodes a whole file as strict UTF-8 (BOM dropped, CRLF and LF kept as they are).
 * Invalid bytes throw a TunaInputError naming the file and the line that holds them.
 */
export function decodeUtf8File(bytes: Uint8Array, file: string): string {
  const body = hasBom(bytes) ? bytes.subarray(3) : bytes;
  const decoder = strictDecoder();
  try {
    return decoder.decode(body);
  } catch {
    // Find the first line that fails on its own, to name it.
    let start = 0;
    for (let line = 1; start <= body.length; line++) {
      const newline = body.indexOf(LF, start);
      const end = newline === -1 ? body.length : newline;
      decodeLine(decoder, body.subarray(start, end), file, line);
      start = end + 1;
    }
    throw notUtf8(file, 1);
  }
}

/**
 * Streams a file line by line as strict UTF-8, in constant memory for any file size.
 * Drops a leading BOM and the CR of CRLF endings; a final line without a newline is kept.
 */
export async function* readUtf8Lines(file: string): AsyncGenerator<TextLine> {
  const decoder = strictDecoder();
  let pending: Buffer[] = [];
  let line = 1;
  let first = true;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let data = chunk;
    if (first) {
      first = false;
      if (hasBom(data)) data = data.subarray(3);
    }
    let start = 0;
    for (let newline = data.indexOf(LF, start); newline !== -1; newline = data.indexOf(LF, start)) {
      pending.push(data.subarray(start, newline));
      const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      pending = [];
      yield { text: decodeLine(decoder, bytes, file, line), line };
      line++;
      start = newline + 1;
    }
    if (start < data.length) pending.push(data.subarray(start));
  }
  if (pending.length > 0) yield { text: decodeLine(decoder, Buffer.concat(pending), file, line), line };
}
