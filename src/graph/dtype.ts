// Element types a graph tensor can have, and the typed arrays that hold their data on the host.

/**
 * float16 only stores frozen weights at half the memory; graphs cast it to float32 to compute.
 * int8 holds the codes of an int8 frozen base (Int8MatMul).
 */
export const DTYPES = ['float32', 'float64', 'float16', 'int64', 'int32', 'uint8', 'int8', 'bool'] as const;
export type DType = (typeof DTYPES)[number];
export type FloatDType = 'float32' | 'float64';

export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  int8: Int8Array;
  bool: Uint8Array;
}
export type TypedArray = TypedArrayOf[DType];

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, int64: 8, int32: 4, uint8: 1, int8: 1, bool: 1,
};

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

export function allocate<D extends DType>(dtype: D, size: number): TypedArrayOf[D] {
  switch (dtype) {
    case 'float32': return new Float32Array(size) as TypedArrayOf[D];
    case 'float64': return new Float64Array(size) as TypedArrayOf[D];
    case 'int64': return new BigInt64Array(size) as TypedArrayOf[D];
    case 'int32': return new Int32Array(size) as TypedArrayOf[D];
    case 'float16': return new Uint16Array(size) as TypedArrayOf[D];
    case 'int8': return new Int8Array(size) as TypedArrayOf[D];
    default: return new Uint8Array(size) as TypedArrayOf[D];
  }
}

/** The dtype a typed array can carry; Uint8Array is reported as uint8 (bool shares its storage). */
export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint16Array) return 'float16';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

/** Fills a typed array of the given dtype from plain numbers. */
export function fromNumbers<D extends DType>(dtype: D, values: ArrayLike<number>): TypedArrayOf[D] {
  const out = allocate(dtype, values.length);
  if (out instanceof BigInt64Array) {
    for (let i = 0; i < values.length; i++) out[i] = BigInt(Math.trunc(values[i]!));
  } else {
    (out as Float64Array).set(values);
  }
  return out;
}
