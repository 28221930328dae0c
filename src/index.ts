// Tuna's library: everything the command line does, as calls.
export * from './graph/index.js';
export * from './autodiff/index.js';
export * from './onnx/index.js';
export * from './runtime/index.js';
export { TunaInputError } from './errors.js';

// Models, tokenizers and files
export { CausalLM } from './models/model.js';
export { initModel } from './models/init-model.js';
export { saveModelFolder } from './models/save.js';
export { resolveModel } from './io/hub.js';
export { readHfConfig, parseHfConfig, SUPPORTED_MODEL_TYPES } from './io/hf-config.js';
export { openSafetensors, openModelWeights, writeSafetensors, writeShardedSafetensors } from './io/safetensors.js';
export { loadTokenizer, buildByteLevelBpe } from './tokenizer/index.js';

// Adapters and quantization
export { loraConfig, type LoraConfig, type LoraConfigInput } from './adapters/lora/config.js';
export { LoraModel } from './adapters/lora/lora-model.js';
export { saveAdapter, loadAdapter } from './adapters/lora/adapter-files.js';
export { mergeAdapter } from './adapters/lora/merge.js';
export { quantizeNf4, dequantizeNf4 } from './adapters/nf4/index.js';
export { saveQuantizedModel } from './adapters/nf4/quantize-model.js';

// Data
export { readDataset, inspectFile, prepareDataset, prepareInMemory, writePreparedDataset, splitTrainTest } from './data/index.js';

// Training
export { fineTune, type FineTuneInput, type FineTuneOptions, type FineTuneResult } from './train/fine-tune.js';
export { train, type TrainOptions, type StepMetrics } from './train/trainer.js';
export { loraTarget, fullTarget } from './train/targets.js';

// Generation, evaluation, serving
export { generateText, generateTokens } from './generate/index.js';
export { uploadAdapter } from './generate/resident-adapter.js';
export { scoreModel, teacherForcedLoss, readEvalExamples } from './eval/evaluate.js';
export { exactMatch, tokenF1, rougeL, writeReport } from './eval/index.js';
export { startServer, ModelEngine } from './serve/index.js';
