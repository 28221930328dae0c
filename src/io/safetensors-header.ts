/**
 * Parses and validates a safetensors JSON header with the checks the reference
 * loader makes (huggingface/safetensors `Metadata::validate`), naming file and tensor.
 */
import { TunaInputError } from '../errors.js';
import { dtypeByteSize, elementCount, isSafetensorsDtype, SAFETENSORS_DTYPES } from './safetensors-dtypes.js';
import type { SafetensorsDtype } from './safetensors-dtypes.js';

/** One tensor of a safetensors file; offsets are absolute positions in the file. */
export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  byteLength: number;
  /** Absolute byte position of the first data byte in the file. */
  fileOffset: number;
}

export interface SafetensorsHeader {
  /** Tensors in the order their data lies in the file. */
  tensors: SafetensorsTensorInfo[];
  metadata: Record<string, string>;
}

/** The reference loader refuses headers above 100 MB. */
export const MAX_HEADER_BYTES = 100_000_000;

const HEADER_START = 8;

/**
 * Validates `headerBytes` (the N JSON bytes after the 8-byte length) of a file of
 * `fileSize` bytes. Data offsets must tile the data section exactly, as the reference requires.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  const dataStart = HEADER_START + headerBytes.length;
  const dataSize = fileSize - dataStart;
  const parsed = parseJsonObject(decodeUtf8(headerBytes, file), file);
  const metadata = readMetadata(parsed['__metadata__'], file);

  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (name === '__metadata__') continue;
    entries.push({ name, ...readEntry(name, value, file) });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);

  let expectedBegin = 0;
  let previous: string | undefined;
  for (const entry of entries) {
    const where = `tensor "${entry.name}" in ${file}`;
    if (entry.begin < expectedBegin) {
      throw new TunaInputError(
        `${where}: data_offsets [${entry.begin}, ${entry.end}] overlap tensor "${previous}" (which ends at ${expectedBegin}); the header is corrupt, re-download or re-export the file`,
      );
    }
    if (entry.begin > expectedBegin) {
      throw new TunaInputError(
        `${where}: data_offsets start at ${entry.begin} but the previous tensor ends at ${expectedBegin}; safetensors data must be contiguous, the header is corrupt`,
      );
    }
    const byteLength = entry.end - entry.begin;
    const expectedBytes = elementCount(entry.shape) * dtypeByteSize(entry.dtype);
    if (byteLength !== expectedBytes) {
      throw new TunaInputError(
        `${where}: shape [${entry.shape.join(', ')}] of ${entry.dtype} needs ${expectedBytes} bytes but data_offsets [${entry.begin}, ${entry.end}] span ${byteLength}`,
      );
    }
    if (entry.end > dataSize) {
      throw new TunaInputError(
        `${where}: data_offsets end at ${entry.end} but the file holds only ${Math.max(dataSize, 0)} data bytes after the header; the file is truncated, download it again`,
      );
    }
    expectedBegin = entry.end;
    previous = entry.name;
  }
  if (expectedBegin !== dataSize) {
    throw new TunaInputError(
      `${file}: the header's tensors cover ${expectedBegin} data bytes but the file holds ${dataSize}; the file has trailing bytes or a corrupt header`,
    );
  }

  const tensors = entries.map(({ name, dtype, shape, begin, end }) => ({
    name,
    dtype,
    shape,
    byteLength: end - begin,
    fileOffset: dataStart + begin,
  }));
  return { tensors, metadata };
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TunaInputError(`${file}: the safetensors header is not valid UTF-8; the file is corrupt or not a safetensors file`);
  }
}

function parseJsonObject(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TunaInputError(
      `${file}: the safetensors header is not valid JSON (${(error as Error).message}); the file is corrupt or not a safetensors file`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TunaInputError(`${file}: the safetensors header must be a JSON object of tensors`);
  }
  return value as Record<string, unknown>;
}

function readMetadata(value: unknown, file: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TunaInputError(`${file}: "__metadata__" must be an object of strings`);
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw new TunaInputError(`${file}: "__metadata__.${key}" must be a string, got ${JSON.stringify(entry)}`);
    }
  }
  return { ...(value as Record<string, string>) };
}

function readEntry(name: string, value: unknown, file: string) {
  const where = `tensor "${name}" in ${file}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TunaInputError(`${where}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(value)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) {
    throw new TunaInputError(
      `${where}: unknown dtype ${JSON.stringify(dtype)}; known dtypes: ${SAFETENSORS_DTYPES.join(', ')}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new TunaInputError(`${where}: "shape" must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new TunaInputError(
      `${where}: "data_offsets" must be [begin, end] of non-negative integers, got ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    throw new TunaInputError(`${where}: data_offsets [${begin}, ${end}] end before they begin; the header is corrupt`);
  }
  return { dtype, shape: shape as number[], begin, end };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
