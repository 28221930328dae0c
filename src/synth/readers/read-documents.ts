// Which files synth reads, and with which reader: the paths given, folders walked in name order.
import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { decodeUtf8File } from '../../data/load/utf8-text.js';
import { TunaInputError } from '../../errors.js';
import { lineStartAnchors, type SynthDocument } from './document.js';
import { htmlToDocument } from './html-text.js';
import { readRecordDocument } from './records-document.js';

const READERS = {
  '.txt': 'text', '.text': 'text', '.rst': 'text', '.md': 'markdown', '.markdown': 'markdown', '.mdx': 'markdown',
  '.html': 'html', '.htm': 'html', '.xhtml': 'html', '.jsonl': 'records', '.json': 'records', '.csv': 'records',
} as const;
type Reader = (typeof READERS)[keyof typeof READERS];

/** The extensions synth reads. */
export const DOCUMENT_EXTENSIONS = Object.keys(READERS);

const PDF_HINT = 'convert it to text first (for example `pdftotext -layout file.pdf file.txt`, from poppler-utils)';

function readerFor(file: string): Reader | undefined {
  return READERS[extname(file).toLowerCase() as keyof typeof READERS];
}

export interface DocumentFiles {
  files: string[];
  /** Files inside the folders given that synth does not read. */
  skipped: string[];
}

async function walk(folder: string, out: DocumentFiles): Promise<void> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if (entry.isFile()) (readerFor(path) ? out.files : out.skipped).push(path);
  }
}

/** The document files under the paths given; a path that is missing, unreadable or yields no file is an input error. */
export async function listDocumentFiles(paths: readonly string[]): Promise<DocumentFiles> {
  const out: DocumentFiles = { files: [], skipped: [] };
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new TunaInputError(`${path}: ${error.code === 'ENOENT' ? 'no such file or folder' : `cannot read (${error.code ?? error.message})`}. Check the path.`);
    });
    if (info.isDirectory()) await walk(path, out);
    else if (readerFor(path)) out.files.push(path);
    else if (extname(path).toLowerCase() === '.pdf') throw new TunaInputError(`${path}: synth does not read PDF files; ${PDF_HINT}.`);
    else throw new TunaInputError(`${path}: cannot read files of type "${extname(path) || '(no extension)'}". synth reads ${DOCUMENT_EXTENSIONS.join(', ')}.`);
  }
  const unique = [...new Set(out.files)];
  if (unique.length === 0) {
    const other = out.skipped.length === 0 ? 'it holds no files' : `${out.skipped.length} file(s) of other types: ${out.skipped.slice(0, 5).join(', ')}${out.skipped.length > 5 ? ', ...' : ''}`;
    const pdf = out.skipped.some((f) => extname(f).toLowerCase() === '.pdf') ? `; for PDF files, ${PDF_HINT}` : '';
    throw new TunaInputError(`${paths.join(', ')}: no documents to read (${other}). synth reads ${DOCUMENT_EXTENSIONS.join(', ')}${pdf}.`);
  }
  return { files: unique, skipped: out.skipped };
}

/** Reads one document with the reader its extension names. */
export async function readDocument(file: string): Promise<SynthDocument> {
  const reader = readerFor(file);
  if (reader === 'records') return readRecordDocument(file);
  if (!reader) throw new TunaInputError(`${file}: cannot read files of type "${extname(file)}". synth reads ${DOCUMENT_EXTENSIONS.join(', ')}.`);
  const text = decodeUtf8File(await readFile(file), file);
  if (reader === 'html') return htmlToDocument(text, file);
  return { file, kind: reader, text, anchors: lineStartAnchors(text), warnings: [] };
}
