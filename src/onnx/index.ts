export { lowerToOnnx, OPSET, type LoweredModel, type ValueSpec } from './lower.js';
export { ONNX_DTYPE } from './dtypes.js';
