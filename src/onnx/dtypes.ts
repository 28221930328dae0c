// ONNX TensorProto element type codes for the graph's dtypes.
import type { DType } from '../graph/dtype.js';

export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11,
};
