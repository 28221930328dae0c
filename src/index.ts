// Tuna's library entry point.
export * from './graph/index.js';
export * from './autodiff/index.js';
export * from './onnx/index.js';
export * from './runtime/index.js';
