// The primitive operations of a graph and the attributes each one carries.
// Composite operations (softmax, norms, cross-entropy) are built from these in composite.ts.
import type { DType, TypedArray } from './dtype.js';

export interface OpAttrs {
  Constant: { value: TypedArray };
  Add: object; Sub: object; Mul: object; Div: object; Pow: object;
  Max: object; Min: object;
  Neg: object; Exp: object; Log: object; Sqrt: object; Reciprocal: object;
  Tanh: object; Erf: object; Sigmoid: object;
  /** x sigmoid(x) (SiLU, swish) as one op: its gradient reads its output and sigmoid(x), so x itself need not be kept. */
  Silu: object;
  Equal: object; Less: object; Greater: object; LessOrEqual: object; GreaterOrEqual: object;
  Not: object; And: object;
  /** Unsigned integer shift of a by b bits (bits shifted out are lost): unpacks bit masks. */
  BitShift: { direction: 'left' | 'right' };
  Where: object;
  MatMul: object;
  Reshape: { shape: number[] };
  Transpose: { perm: number[] };
  Slice: { starts: number[]; ends: number[]; axes: number[] };
  Pad: { pads: number[] };
  Concat: { axis: number };
  Split: { axis: number; sizes: number[] };
  Unsqueeze: { axes: number[] };
  Squeeze: { axes: number[] };
  Expand: { shape: number[] };
  Gather: { axis: number };
  GatherND: object;
  ScatterNDAdd: object;
  Cast: { to: DType };
  ReduceSum: { axes: number[]; keepDims: boolean };
  ReduceMean: { axes: number[]; keepDims: boolean };
  ReduceMax: { axes: number[]; keepDims: boolean };
  Trilu: { upper: boolean; k: number };
  /**
   * RMSNorm over the last axis, x / sqrt(mean(x²) + eps) * weight (fused): outputs y and the
   * float32 1 / sqrt(mean(x²) + eps) per row, which the backward pass reuses.
   */
  RmsNorm: { eps: number };
  /**
   * Rotary position embedding in transformers' rotate_half form on x (B, N, T, D): each of the
   * first R dims pairs i with i + R/2 and is turned by the angle whose cos and sin are row b*T + t
   * of the (B*T, R/2) tables; the last D - R dims pass through. One op where the primitives took
   * six (split, neg, concat, two products, a sum) per use.
   */
  Rotary: object;
  /** exp(x) / sum(exp(x)) along one axis (fused: the backward pass keeps only the output). */
  Softmax: { axis: number };
  /** Fused log-softmax + negative log-likelihood over (N, V) logits and (N) int64 targets: outputs the summed loss and the log-probabilities. */
  SoftmaxCrossEntropy: { ignoreIndex: number };
  /**
   * x (..., k) times the transpose of an (n, k) weight stored as bitsandbytes 4-bit NormalFloat:
   * uint8 codes (two per byte, first element in the high nibble) and a float32 absmax per block of
   * `blocksize` (16..256) elements of the flattened weight. The weight exists in float32 only
   * inside the kernel.
   */
  Nf4MatMul: { n: number; k: number; blocksize: number };
  /**
   * a (..., k) float32 times an int8 matrix b, (k, n), or (n, k) used transposed with
   * `transposeB`, times optional float32 scales (n) of the output columns: each row of a is
   * quantized to int8 on the fly (symmetric, scale max|row| / 127) and the product accumulates in
   * int32 (onnxruntime's u8s8 kernel), then is scaled back. A transposed b is copied only once a
   * exists, so the copy lives around its product alone. With a fourth input, the float weight
   * (n, k) the codes stand for (float32, or float16 cast `blockRows` rows at a time), a's gradient
   * is gy times that weight instead of another int8 product (an output head: its gradient rows,
   * softmax minus one-hot, are mostly values far below a row's largest, which int8 rounds to zero).
   */
  Int8MatMul: { transposeB: boolean; blockRows?: number };
  /**
   * a (..., k) float32 times a float16 matrix b, (n, k) used transposed with `transposeB`, or
   * (n, k) as is when a is (..., n): b is cast to float32 `blockRows` rows at a time, one block
   * after the other, so no float32 copy of the whole matrix exists (a frozen 16-bit output head).
   */
  HalfMatMul: { transposeB: boolean; blockRows: number };
}

export type Op = keyof OpAttrs;

export const UNARY_OPS = ['Neg', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Tanh', 'Erf', 'Sigmoid', 'Silu'] as const;
export const BINARY_OPS = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min'] as const;
export const COMPARE_OPS = ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual'] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];
export type BinaryOp = (typeof BINARY_OPS)[number];
export type CompareOp = (typeof COMPARE_OPS)[number];
