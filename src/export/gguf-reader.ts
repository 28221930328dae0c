// Reads a GGUF file back: header, metadata, tensor table and data offsets, with every layout rule
// checked (magic, version, alignment of each tensor, data inside the file), so a test or a user can
// see what `tuna export` wrote without llama.cpp.
import { readFile } from 'node:fs/promises';
import { TunaInputError } from '../errors.js';
import { alignUp, GGML_TYPE_NAMES, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType, SCALAR_NAMES, SCALAR_SIZES, tensorByteLength } from './gguf-format.js';
import type { GgmlTypeName, ScalarType } from './gguf-format.js';
import { decodeTensor } from './gguf-encode.js';

export type MetadataValue = number | bigint | boolean | string | MetadataValue[];

export interface GgufTensorInfo {
  name: string;
  /** ne0 first (the contiguous axis), as ggml counts them. */
  dims: number[];
  type: GgmlTypeName;
  /** From the start of the data section. */
  offset: number;
  byteLength: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, MetadataValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Where the data section starts in the file. */
  dataOffset: number;
  bytes: Uint8Array;
}

class Cursor {
  at = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array, private readonly path: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.at + n > this.bytes.length) throw new TunaInputError(`${this.path}: ends early at byte ${this.at} (a truncated or damaged GGUF file)`);
  }

  scalar(type: ScalarType): number | bigint | boolean | string {
    if (type === 'string') {
      const length = Number(this.scalar('u64'));
      this.need(length);
      const text = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.at, this.at + length));
      this.at += length;
      return text;
    }
    const size = SCALAR_SIZES[type]!;
    this.need(size);
    const v = this.view;
    const at = this.at;
    this.at += size;
    switch (type) {
      case 'u8': return v.getUint8(at);
      case 'i8': return v.getInt8(at);
      case 'u16': return v.getUint16(at, true);
      case 'i16': return v.getInt16(at, true);
      case 'u32': return v.getUint32(at, true);
      case 'i32': return v.getInt32(at, true);
      case 'f32': return v.getFloat32(at, true);
      case 'bool': return v.getUint8(at) !== 0;
      case 'u64': return v.getBigUint64(at, true);
      case 'i64': return v.getBigInt64(at, true);
      default: return v.getFloat64(at, true);
    }
  }

  value(code: number): MetadataValue {
    if (code === GgufValueType.ARRAY) {
      const itemCode = Number(this.scalar('u32'));
      const count = Number(this.scalar('u64'));
      const out: MetadataValue[] = [];
      for (let i = 0; i < count; i++) out.push(this.value(itemCode));
      return out;
    }
    const type = SCALAR_NAMES[code];
    if (!type) throw new TunaInputError(`${this.path}: unknown metadata value type ${code} at byte ${this.at}`);
    return this.scalar(type);
  }
}

export function parseGguf(bytes: Uint8Array, path = 'GGUF file'): GgufFile {
  const c = new Cursor(bytes, path);
  if (c.scalar('u32') !== GGUF_MAGIC) throw new TunaInputError(`${path}: not a GGUF file (no "GGUF" magic)`);
  const version = c.scalar('u32') as number;
  if (version !== 3 && version !== 2) throw new TunaInputError(`${path}: GGUF version ${version}; versions 2 and 3 are read`);
  const tensorCount = Number(c.scalar('u64'));
  const metadataCount = Number(c.scalar('u64'));
  const metadata = new Map<string, MetadataValue>();
  for (let i = 0; i < metadataCount; i++) {
    const key = c.scalar('string') as string;
    if (metadata.has(key)) throw new TunaInputError(`${path}: metadata key ${key} appears twice`);
    metadata.set(key, c.value(Number(c.scalar('u32'))));
  }
  const alignment = typeof metadata.get('general.alignment') === 'number' ? (metadata.get('general.alignment') as number) : GGUF_DEFAULT_ALIGNMENT;
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.scalar('string') as string;
    const dims = Array.from({ length: Number(c.scalar('u32')) }, () => Number(c.scalar('u64')));
    const code = c.scalar('u32') as number;
    const type = GGML_TYPE_NAMES[code];
    if (!type) throw new TunaInputError(`${path}: tensor ${name} has ggml type ${code}, which this reader does not decode`);
    const offset = Number(c.scalar('u64'));
    if (offset % alignment !== 0) throw new TunaInputError(`${path}: tensor ${name} starts at ${offset}, not a multiple of the alignment ${alignment}`);
    tensors.push({ name, dims, type, offset, byteLength: tensorByteLength(type, dims.reduce((a, b) => a * b, 1)) });
  }
  const dataOffset = alignUp(c.at, alignment);
  for (const t of tensors) {
    if (dataOffset + t.offset + t.byteLength > bytes.length) throw new TunaInputError(`${path}: tensor ${t.name} runs past the end of the file`);
  }
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1]!.offset + sorted[i - 1]!.byteLength > sorted[i]!.offset) throw new TunaInputError(`${path}: tensors ${sorted[i - 1]!.name} and ${sorted[i]!.name} overlap`);
  }
  return { version, metadata, tensors, alignment, dataOffset, bytes };
}

export async function readGguf(path: string): Promise<GgufFile> {
  return parseGguf(new Uint8Array(await readFile(path)), path);
}

/** A tensor's values as float32 (Q8_0 and F16 decoded). */
export function tensorValues(file: GgufFile, name: string): Float32Array {
  const t = file.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor ${name} in the GGUF file`);
  const start = file.dataOffset + t.offset;
  return decodeTensor(t.type, file.bytes.subarray(start, start + t.byteLength), t.dims.reduce((a, b) => a * b, 1));
}
