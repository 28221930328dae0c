// `tuna quantize`: a model folder whose linear layers are stored as bitsandbytes NF4 tensors, with
// the quantization_config transformers writes for load_in_4bit, so transformers with bitsandbytes
// loads it and Tuna trains QLoRA on it without quantizing again.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFolderAtomically } from '../../io/atomic-dir.js';
import { writeShardedSafetensors, type TensorToWrite } from '../../io/safetensors.js';
import type { CausalLM } from '../../models/model.js';
import { copyTokenizerFiles } from '../../models/save.js';
import { toBitsandbytesTensors } from './bitsandbytes-tensors.js';

export function quantizationConfig(blocksize: number, doubleQuant: boolean): Record<string, unknown> {
  return {
    _load_in_4bit: true,
    _load_in_8bit: false,
    bnb_4bit_compute_dtype: 'float32',
    bnb_4bit_quant_storage: 'uint8',
    bnb_4bit_quant_type: 'nf4',
    bnb_4bit_use_double_quant: doubleQuant,
    ...(blocksize !== 64 && { bnb_4bit_blocksize: blocksize }),
    llm_int8_enable_fp32_cpu_offload: false,
    llm_int8_has_fp16_weight: false,
    llm_int8_skip_modules: null,
    llm_int8_threshold: 6.0,
    load_in_4bit: true,
    load_in_8bit: false,
    quant_method: 'bitsandbytes',
  };
}

export async function saveQuantizedModel(model: CausalLM, dir: string, options: { blocksize: number; doubleQuant: boolean }): Promise<void> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, data] of model.hostWeights()) tensors[name] = { dtype: 'F32', shape: model.shapes.get(name)!, data };
  for (const [key, q] of model.quantized) {
    Object.assign(tensors, toBitsandbytesTensors(key.replace(/\.weight$/, ''), q) as Record<string, TensorToWrite>);
  }
  await writeFolderAtomically(dir, async (tmp) => {
    const config = { ...model.config.raw, torch_dtype: 'float32', quantization_config: quantizationConfig(options.blocksize, options.doubleQuant) };
    await writeFile(join(tmp, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    await writeShardedSafetensors(tmp, tensors);
    await copyTokenizerFiles(model.dir, tmp);
  });
}
