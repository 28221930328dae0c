/**
 * Reads safetensors files: the header once on open, then each tensor's bytes by
 * offset on request, decoded to a typed array (16/8-bit floats widened to float32).
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { TunaInputError } from '../errors.js';
import { bfloat16ToFloat32, float8e4m3ToFloat32, float8e5m2ToFloat32, halfToFloat32 } from './half-float.js';
import { MAX_HEADER_BYTES, parseSafetensorsHeader } from './safetensors-header.js';
import type { SafetensorsTensorInfo } from './safetensors-header.js';
import type { SafetensorsDtype } from './safetensors-dtypes.js';

export type TensorData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/** What a single file and a sharded model folder both offer. */
export interface TensorSource {
  /** Tensors in storage order. */
  readonly tensors: readonly SafetensorsTensorInfo[];
  readonly metadata: Readonly<Record<string, string>>;
  has(name: string): boolean;
  /** Throws a TunaInputError naming the tensor when it is absent. */
  info(name: string): SafetensorsTensorInfo;
  /** F16, BF16 and F8 become Float32Array; other dtypes keep their width. */
  read(name: string): Promise<TensorData>;
  /** Any float dtype as a Float32Array (F64 narrowed); integer tensors are an error. */
  readFloat32(name: string): Promise<Float32Array>;
  /** The stored little-endian bytes, unconverted. */
  readRaw(name: string): Promise<Uint8Array>;
}

export interface SafetensorsFile extends TensorSource {
  readonly path: string;
}

// Typed arrays use the host byte order; every platform Node ships for is little-endian.
if (endianness() !== 'LE') throw new Error('Tuna reads safetensors only on little-endian hosts');

export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  const { tensors, metadata } = await readHeader(path);
  const byName = new Map(tensors.map((tensor) => [tensor.name, tensor]));
  const info = (name: string): SafetensorsTensorInfo => {
    const tensor = byName.get(name);
    if (!tensor) throw new TunaInputError(`tensor "${name}" is not in ${path} (it holds ${byName.size} tensors)`);
    return tensor;
  };
  const readRaw = async (name: string) => readTensorBytes(path, info(name));
  const read = async (name: string) => decodeTensorBytes(info(name).dtype, await readRaw(name));
  return {
    path,
    tensors,
    metadata,
    has: (name) => byName.has(name),
    info,
    readRaw,
    read,
    readFloat32: async (name) => asFloat32(info(name), await read(name)),
  };
}

async function readHeader(path: string) {
  const handle = await openForReading(path);
  try {
    const { size } = await handle.stat();
    if (size < 8) {
      throw new TunaInputError(`${path}: file is ${size} bytes, too short for a safetensors header; the file is truncated`);
    }
    const lengthBytes = await readExactly(handle, 0, 8, path);
    const headerLength = new DataView(lengthBytes.buffer).getBigUint64(0, true);
    if (headerLength > BigInt(MAX_HEADER_BYTES)) {
      throw new TunaInputError(
        `${path}: header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit; this is not a safetensors file or it is corrupt`,
      );
    }
    if (Number(headerLength) + 8 > size) {
      throw new TunaInputError(
        `${path}: header length ${headerLength} is larger than the file (${size} bytes); the file is truncated or not a safetensors file`,
      );
    }
    const headerBytes = await readExactly(handle, 8, Number(headerLength), path);
    return parseSafetensorsHeader(headerBytes, size, path);
  } finally {
    await handle.close();
  }
}

async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TunaInputError(`${path}: no such file`);
    if (code === 'EISDIR') throw new TunaInputError(`${path}: is a folder, expected a .safetensors file`);
    throw error;
  }
}

async function readTensorBytes(path: string, tensor: SafetensorsTensorInfo): Promise<Uint8Array> {
  const handle = await openForReading(path);
  try {
    return await readExactly(handle, tensor.fileOffset, tensor.byteLength, `${path} (tensor "${tensor.name}")`);
  } finally {
    await handle.close();
  }
}

/** Reads into a fresh buffer, so the result is aligned for any typed-array view. */
async function readExactly(handle: FileHandle, position: number, length: number, where: string): Promise<Uint8Array> {
  const out = new Uint8Array(new ArrayBuffer(length));
  const chunk = 1 << 30; // fs reads are capped at 2 GiB each
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, Math.min(chunk, length - done), position + done);
    if (bytesRead === 0) {
      throw new TunaInputError(`${where}: file ended after ${position + done} bytes; it is truncated or changed while reading`);
    }
    done += bytesRead;
  }
  return out;
}

/** Float tensors as float32; the weights of a model are read this way. */
export function asFloat32(tensor: SafetensorsTensorInfo, data: TensorData): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Float64Array) return Float32Array.from(data);
  throw new TunaInputError(`tensor "${tensor.name}" is ${tensor.dtype}, not a floating-point tensor`);
}

/** `bytes` must start at offset 0 of its own buffer (as readRaw's results do). */
export function decodeTensorBytes(dtype: SafetensorsDtype, bytes: Uint8Array): TensorData {
  const aligned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  const buffer = aligned.buffer as ArrayBuffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer);
    case 'F64':
      return new Float64Array(buffer);
    case 'F16':
      return halfToFloat32(new Uint16Array(buffer));
    case 'BF16':
      return bfloat16ToFloat32(new Uint16Array(buffer));
    case 'F8_E4M3':
      return float8e4m3ToFloat32(aligned);
    case 'F8_E5M2':
      return float8e5m2ToFloat32(aligned);
    case 'I64':
      return new BigInt64Array(buffer);
    case 'U64':
      return new BigUint64Array(buffer);
    case 'I32':
      return new Int32Array(buffer);
    case 'U32':
      return new Uint32Array(buffer);
    case 'I16':
      return new Int16Array(buffer);
    case 'U16':
      return new Uint16Array(buffer);
    case 'I8':
      return new Int8Array(buffer);
    case 'U8':
    case 'BOOL':
      return aligned;
  }
}
