// GGUF version 3, as ggml's gguf.cpp and gguf-py read and write it: a header, typed metadata
// key/values, a table of tensor infos, then the tensor data, each piece aligned to
// general.alignment (32 bytes unless the file says otherwise). Everything is little-endian.

export const GGUF_MAGIC = 0x46554747; // "GGUF"
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types (gguf_type). */
export const enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** The tensor types Tuna writes (ggml_type). */
export const GGML_TYPES = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type GgmlTypeName = keyof typeof GGML_TYPES;

export const GGML_TYPE_NAMES: Record<number, GgmlTypeName> = Object.fromEntries(Object.entries(GGML_TYPES).map(([name, id]) => [id, name])) as Record<number, GgmlTypeName>;

/** llama_ftype: what most of a model's tensors are stored as (general.file_type). */
export const FILE_TYPES: Record<GgmlTypeName, number> = { F32: 0, F16: 1, Q8_0: 7 };

/** Q8_0 packs 32 values as one float16 scale and 32 int8 codes. */
export const Q8_0_BLOCK = 32;

export type ScalarType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'u64' | 'i64' | 'f64';

export type GgufValue =
  | { type: Exclude<ScalarType, 'string' | 'bool' | 'u64' | 'i64'>; value: number }
  | { type: 'u64' | 'i64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: ScalarType; values: readonly (number | bigint | boolean | string)[] };

export const SCALAR_CODES: Record<ScalarType, GgufValueType> = {
  u8: GgufValueType.UINT8, i8: GgufValueType.INT8, u16: GgufValueType.UINT16, i16: GgufValueType.INT16,
  u32: GgufValueType.UINT32, i32: GgufValueType.INT32, f32: GgufValueType.FLOAT32, bool: GgufValueType.BOOL,
  string: GgufValueType.STRING, u64: GgufValueType.UINT64, i64: GgufValueType.INT64, f64: GgufValueType.FLOAT64,
};

export const SCALAR_NAMES = Object.fromEntries(Object.entries(SCALAR_CODES).map(([name, code]) => [code, name])) as Record<number, ScalarType>;

export const SCALAR_SIZES: Partial<Record<ScalarType, number>> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8 };

export const u32 = (value: number): GgufValue => ({ type: 'u32', value });
export const f32 = (value: number): GgufValue => ({ type: 'f32', value });
export const str = (value: string): GgufValue => ({ type: 'string', value });
export const bool = (value: boolean): GgufValue => ({ type: 'bool', value });
export const array = (itemType: ScalarType, values: readonly (number | string | boolean)[]): GgufValue => ({ type: 'array', itemType, values });

/** Bytes of one tensor's data. */
export function tensorByteLength(type: GgmlTypeName, elements: number): number {
  if (type === 'F32') return 4 * elements;
  if (type === 'F16') return 2 * elements;
  return (elements / Q8_0_BLOCK) * (2 + Q8_0_BLOCK);
}

export const alignUp = (n: number, alignment: number) => Math.ceil(n / alignment) * alignment;
