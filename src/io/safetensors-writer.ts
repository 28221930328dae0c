/**
 * Writes safetensors files laid out as the reference library lays them out
 * (largest dtype alignment first, then name; header padded with spaces to 8 bytes).
 */
import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { TunaInputError } from '../errors.js';
import { float32ToBfloat16, float32ToHalf } from './half-float.js';
import { dtypeByteSize, dtypeRank, elementCount, isSafetensorsDtype } from './safetensors-dtypes.js';
import type { SafetensorsDtype } from './safetensors-dtypes.js';
import type { TensorData } from './safetensors-reader.js';

/**
 * `data` is the dtype's own typed array (F16/BF16 as Uint16Array bit patterns),
 * a Float32Array to convert to F16/BF16/F64, or a Uint8Array of the raw stored bytes.
 */
export interface TensorToWrite {
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: TensorData;
}

/** The typed array each dtype is stored from without conversion. */
const NATIVE_ARRAY: Record<SafetensorsDtype, new (length: number) => TensorData> = {
  BOOL: Uint8Array,
  U8: Uint8Array,
  I8: Int8Array,
  F8_E5M2: Uint8Array,
  F8_E4M3: Uint8Array,
  I16: Int16Array,
  U16: Uint16Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I32: Int32Array,
  U32: Uint32Array,
  F32: Float32Array,
  F64: Float64Array,
  I64: BigInt64Array,
  U64: BigUint64Array,
};

interface PlannedTensor {
  name: string;
  tensor: TensorToWrite;
  byteLength: number;
}

/**
 * Writes `tensors` to `path` through a temporary file renamed into place, so readers
 * never see half a file. transformers refuses files whose metadata lacks `format`:
 * pass `{format: 'pt'}` for model and adapter weights.
 */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Promise<void> {
  const planned = planLayout(tensors);
  const header = encodeHeader(planned, metadata);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, BigInt(header.length), true);
    await writeAll(handle, length);
    await writeAll(handle, header);
    for (const { name, tensor } of planned) await writeAll(handle, encodeTensorBytes(name, tensor));
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A single write may be partial and is capped at 2 GiB. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(1 << 30, bytes.length - done));
    done += bytesWritten;
  }
}

/** Checks every tensor, then orders them as the reference writer does. */
function planLayout(tensors: Record<string, TensorToWrite>): PlannedTensor[] {
  const planned = Object.entries(tensors).map(([name, tensor]) => ({
    name,
    tensor,
    byteLength: checkTensor(name, tensor),
  }));
  return planned.sort(
    (a, b) => dtypeRank(b.tensor.dtype) - dtypeRank(a.tensor.dtype) || compareUtf8(a.name, b.name),
  );
}

/** Rust orders strings by UTF-8 bytes; JavaScript by UTF-16 units. They differ past U+FFFF. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Returns the stored byte length after checking dtype, shape and data agree. */
function checkTensor(name: string, tensor: TensorToWrite): number {
  const { dtype, shape, data } = tensor;
  if (name === '__metadata__') throw new TunaInputError('"__metadata__" is reserved and cannot name a tensor');
  if (!isSafetensorsDtype(dtype)) throw new TunaInputError(`tensor "${name}": unknown dtype ${JSON.stringify(dtype)}`);
  if (!shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new TunaInputError(`tensor "${name}": shape [${shape.join(', ')}] must hold non-negative integers`);
  }
  const count = elementCount(shape);
  const byteLength = count * dtypeByteSize(dtype);
  const isRawBytes = data instanceof Uint8Array && NATIVE_ARRAY[dtype] !== Uint8Array;
  const convertsFromFloat32 = data instanceof Float32Array && (dtype === 'F16' || dtype === 'BF16' || dtype === 'F64');
  if (isRawBytes) {
    if (data.byteLength !== byteLength) {
      throw new TunaInputError(
        `tensor "${name}": ${dtype} shape [${shape.join(', ')}] needs ${byteLength} bytes but the raw data has ${data.byteLength}`,
      );
    }
    return byteLength;
  }
  if (!convertsFromFloat32 && !(data instanceof NATIVE_ARRAY[dtype])) {
    throw new TunaInputError(
      `tensor "${name}": cannot store a ${data.constructor.name} as ${dtype}; pass a ${NATIVE_ARRAY[dtype].name}, a Float32Array (for F16/BF16/F64) or raw bytes`,
    );
  }
  if (data.length !== count) {
    throw new TunaInputError(
      `tensor "${name}": shape [${shape.join(', ')}] has ${count} elements but the data has ${data.length}`,
    );
  }
  return byteLength;
}

/** The stored little-endian bytes of one (already checked) tensor. */
export function encodeTensorBytes(name: string, tensor: TensorToWrite): Uint8Array {
  const { dtype, data } = tensor;
  if (data instanceof Float32Array && dtype !== 'F32') {
    if (dtype === 'F16') return asBytes(float32ToHalf(data));
    if (dtype === 'BF16') return asBytes(float32ToBfloat16(data));
    if (dtype === 'F64') return asBytes(Float64Array.from(data));
    throw new TunaInputError(`tensor "${name}": cannot convert a Float32Array to ${dtype}`);
  }
  return asBytes(data);
}

function asBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** JSON header (metadata first, then tensors in data order), padded with spaces to 8 bytes. */
function encodeHeader(planned: PlannedTensor[], metadata: Record<string, string> | undefined): Uint8Array {
  // Keys are joined by hand: a JS object would move integer-like names ("0", "1") to the front.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const fields = Object.entries(metadata).map(([key, value]) => {
      if (typeof value !== 'string') {
        throw new TunaInputError(`safetensors metadata "${key}" must be a string, got ${JSON.stringify(value)}`);
      }
      return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
    });
    parts.push(`"__metadata__":{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const { name, tensor, byteLength } of planned) {
    const info = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + byteLength] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += byteLength;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padding = (8 - (json.length % 8)) % 8;
  return Buffer.concat([json, Buffer.alloc(padding, ' ')]);
}

/** Stored byte size of a tensor, for shard planning. */
export function storedByteLength(name: string, tensor: TensorToWrite): number {
  return checkTensor(name, tensor);
}
