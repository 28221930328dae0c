/** int8 frozen bases: per-output-feature int8 codes computed with int8 products (Int8MatMul). */
export type { Int8Tensor, WeightLayout } from './int8-tensor.js';
export { weightFeatures } from './int8-tensor.js';
export { quantizeInt8, dequantizeInt8 } from './quantize-int8.js';
export { int8Linear, int8Feeds, int8ScaleKey } from './int8-linear.js';
