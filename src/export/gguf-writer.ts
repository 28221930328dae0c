// Writes a GGUF file tensor by tensor: the header and the tensor table are known before any data
// (every tensor's type and shape is), so each tensor is converted and written in turn and only one
// is in memory at a time. The file is written under a temporary name and renamed when complete.
import { open, rename, rm } from 'node:fs/promises';
import { alignUp, GGML_TYPES, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgufValueType, SCALAR_CODES, SCALAR_SIZES, tensorByteLength } from './gguf-format.js';
import type { GgmlTypeName, GgufValue, ScalarType } from './gguf-format.js';
import { encodeTensor } from './gguf-encode.js';

/** One tensor to write: its GGUF name, shape in ggml order (ne0 first, the contiguous axis), type, and how to get its values. */
export interface GgufTensor {
  name: string;
  dims: number[];
  type: GgmlTypeName;
  /** Called once, when the tensor is written; values in row-major order of the reversed dims. */
  values: () => Float32Array;
}

class ByteSink {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  number(type: ScalarType, value: number | bigint | boolean): void {
    const size = SCALAR_SIZES[type] ?? 0;
    const view = new DataView(new ArrayBuffer(size));
    switch (type) {
      case 'u8': view.setUint8(0, value as number); break;
      case 'i8': view.setInt8(0, value as number); break;
      case 'u16': view.setUint16(0, value as number, true); break;
      case 'i16': view.setInt16(0, value as number, true); break;
      case 'u32': view.setUint32(0, value as number, true); break;
      case 'i32': view.setInt32(0, value as number, true); break;
      case 'f32': view.setFloat32(0, value as number, true); break;
      case 'bool': view.setUint8(0, value ? 1 : 0); break;
      case 'u64': view.setBigUint64(0, BigInt(value as number | bigint), true); break;
      case 'i64': view.setBigInt64(0, BigInt(value as number | bigint), true); break;
      case 'f64': view.setFloat64(0, value as number, true); break;
      default: throw new Error(`not a number type: ${type}`);
    }
    this.push(new Uint8Array(view.buffer));
  }

  string(text: string): void {
    const bytes = new TextEncoder().encode(text);
    this.number('u64', BigInt(bytes.length));
    this.push(bytes);
  }

  item(type: ScalarType, value: number | bigint | boolean | string): void {
    if (type === 'string') this.string(value as string);
    else this.number(type, value as number | bigint | boolean);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

function writeValue(sink: ByteSink, value: GgufValue): void {
  if (value.type === 'array') {
    sink.number('u32', GgufValueType.ARRAY);
    sink.number('u32', SCALAR_CODES[value.itemType]);
    sink.number('u64', BigInt(value.values.length));
    for (const item of value.values) sink.item(value.itemType, item);
    return;
  }
  sink.number('u32', SCALAR_CODES[value.type]);
  sink.item(value.type, value.value);
}

const elementCount = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** The header, metadata and tensor table, padded to the alignment; and each tensor's data offset. */
export function ggufHeader(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly Omit<GgufTensor, 'values'>[], alignment = GGUF_DEFAULT_ALIGNMENT) {
  const sink = new ByteSink();
  sink.number('u32', GGUF_MAGIC);
  sink.number('u32', GGUF_VERSION);
  sink.number('u64', BigInt(tensors.length));
  sink.number('u64', BigInt(metadata.size));
  for (const [key, value] of metadata) {
    sink.string(key);
    writeValue(sink, value);
  }
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    sink.string(t.name);
    sink.number('u32', t.dims.length);
    for (const d of t.dims) sink.number('u64', BigInt(d));
    sink.number('u32', GGML_TYPES[t.type]);
    sink.number('u64', BigInt(offset));
    offsets.push(offset);
    offset = alignUp(offset + tensorByteLength(t.type, elementCount(t.dims)), alignment);
  }
  const padding = alignUp(sink.length, alignment) - sink.length;
  sink.push(new Uint8Array(padding));
  return { bytes: sink.bytes(), offsets, dataBytes: offset };
}

/** Writes the file; returns its size in bytes. Names must be unique; a failed write leaves no file. */
export async function writeGguf(path: string, metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[]): Promise<number> {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new Error(`GGUF tensor ${t.name} is written twice`);
    seen.add(t.name);
  }
  const alignment = metadata.get('general.alignment')?.type === 'u32' ? (metadata.get('general.alignment') as { value: number }).value : GGUF_DEFAULT_ALIGNMENT;
  const header = ggufHeader(metadata, tensors, alignment);
  const temporary = `${path}.tmp-${process.pid}`;
  const file = await open(temporary, 'w');
  try {
    await file.write(header.bytes);
    let written = 0;
    for (const [i, t] of tensors.entries()) {
      const values = t.values();
      if (values.length !== elementCount(t.dims)) throw new Error(`GGUF tensor ${t.name}: ${values.length} values for dims ${t.dims.join('x')}`);
      const data = encodeTensor(t.type, values);
      if (written !== header.offsets[i]) await file.write(new Uint8Array(header.offsets[i]! - written));
      await file.write(data);
      written = header.offsets[i]! + data.length;
    }
    if (written < header.dataBytes) await file.write(new Uint8Array(header.dataBytes - written));
    await file.close();
    await rename(temporary, path);
  } catch (error) {
    await file.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
  return header.bytes.length + header.dataBytes;
}
