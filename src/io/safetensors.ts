/**
 * Safetensors reading and writing (format in FORMATS.md): single files, and model
 * folders with one file or an index of shards.
 */
export { asFloat32, decodeTensorBytes, openSafetensors } from './safetensors-reader.js';
export type { SafetensorsFile, TensorData, TensorSource } from './safetensors-reader.js';
export type { SafetensorsTensorInfo } from './safetensors-header.js';
export { SAFETENSORS_DTYPES, dtypeByteSize, elementCount, isSafetensorsDtype } from './safetensors-dtypes.js';
export type { SafetensorsDtype } from './safetensors-dtypes.js';
export { writeSafetensors } from './safetensors-writer.js';
export type { TensorToWrite } from './safetensors-writer.js';
export { openModelWeights, SINGLE_WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './model-weights.js';
export type { ModelTensorInfo, ModelWeights } from './model-weights.js';
export { DEFAULT_MAX_SHARD_BYTES, writeShardedSafetensors } from './safetensors-shards.js';
export type { ShardedWriteOptions, ShardedWriteResult } from './safetensors-shards.js';
