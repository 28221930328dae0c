/** bitsandbytes-compatible NF4 quantization (QLoRA base weights) and its 8-bit double quantization. */
export { NF4_TABLE, nearestNf4Code } from './nf4-table.js';
export { createDynamicMap, defaultDynamicMap, linspaceF32 } from './dynamic-map.js';
export { quantizeBlockwise8bit, dequantizeBlockwise8bit } from './blockwise-8bit.js';
export type { Blockwise8bit, Blockwise8bitOptions } from './blockwise-8bit.js';
export { NF4_BLOCKSIZES, BLOCKWISE_8BIT_BLOCKSIZES, checkNf4Blocksize } from './blocksize.js';
export { quantizeNf4, NESTED_BLOCKSIZE } from './quantize-nf4.js';
export type { QuantizeNf4Options } from './quantize-nf4.js';
export { dequantizeNf4, nf4BlockAbsmax } from './dequantize-nf4.js';
export type { Nf4Tensor, Nf4PlainTensor, Nf4DoubleQuantTensor, Nf4SourceDtype } from './nf4-tensor.js';
export { toBitsandbytesTensors, fromBitsandbytesTensors } from './bitsandbytes-tensors.js';
export type { BitsandbytesTensor } from './bitsandbytes-tensors.js';
export type { StoredTensor } from './layer-tensor-reader.js';
