/** An NF4-quantized weight as bitsandbytes' Linear4bit holds it (Params4bit + QuantState). */

/** dtype of the weights before quantization, recorded as QuantState.dtype (the dequantized dtype). */
export type Nf4SourceDtype = 'float32' | 'bfloat16' | 'float16';

export const NF4_SOURCE_DTYPES: readonly Nf4SourceDtype[] = ['float32', 'bfloat16', 'float16'];

interface Nf4TensorCommon {
  /** Shape of the original weight, e.g. [out, in]. */
  readonly shape: readonly number[];
  /** Elements per absmax block of the flattened weight. */
  readonly blocksize: number;
  readonly dtype: Nf4SourceDtype;
  /** Two codes per byte, the first element in the high nibble; ceil(n/2) bytes. */
  readonly packed: Uint8Array;
}

export interface Nf4PlainTensor extends Nf4TensorCommon {
  readonly doubleQuant: false;
  /** fp32 absmax per block. */
  readonly absmax: Float32Array;
}

/** Double quantization: the absmax values, less their mean, quantized blockwise to 8 bits. */
export interface Nf4DoubleQuantTensor extends Nf4TensorCommon {
  readonly doubleQuant: true;
  /** 8-bit code of (absmax - nestedOffset) per block. */
  readonly absmax: Uint8Array;
  /** fp32 absmax of each nested block of `nestedBlocksize` codes. */
  readonly nestedAbsmax: Float32Array;
  /** Mean of the fp32 absmax values, added back after dequantizing them. */
  readonly nestedOffset: number;
  readonly nestedBlocksize: number;
  /** The 8-bit code book (the dynamic map when quantized here; as stored when loaded). */
  readonly nestedCode: Float32Array;
}

export type Nf4Tensor = Nf4PlainTensor | Nf4DoubleQuantTensor;

/** Element count of a shape; throws on a negative or fractional dimension. */
export function shapeElementCount(shape: readonly number[], what: string): number {
  let count = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new RangeError(`${what}: shape [${shape.join(', ')}] has an invalid dimension ${dim}`);
    }
    count *= dim;
  }
  return count;
}
