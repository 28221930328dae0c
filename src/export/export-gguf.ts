// `tuna export` as library calls: a model (with a LoRA adapter merged on the fly) as one GGUF file
// llama.cpp and Ollama load, or the adapter alone in llama.cpp's LoRA GGUF layout
// (convert_lora_to_gguf.py), for `llama-cli -m base.gguf --lora adapter.gguf`.
import { basename } from 'node:path';
import { loadAdapter } from '../adapters/lora/adapter-files.js';
import { mergeAdapter } from '../adapters/lora/merge.js';
import { TunaInputError } from '../errors.js';
import { CausalLM } from '../models/model.js';
import { Runtime } from '../runtime/runtime.js';
import { loadTokenizer } from '../tokenizer/index.js';
import { readTokenizerFiles } from '../tokenizer/tokenizer-files.js';
import { f32, FILE_TYPES, Q8_0_BLOCK, str, u32, type GgmlTypeName, type GgufValue } from './gguf-format.js';
import { architectureMapping, type MappedTensor } from './gguf-model.js';
import { tokenizerMetadata } from './gguf-tokenizer.js';
import { writeGguf, type GgufTensor } from './gguf-writer.js';

export type GgufOutType = 'f32' | 'f16' | 'q8_0';

const OUT_TYPES: Record<GgufOutType, GgmlTypeName> = { f32: 'F32', f16: 'F16', q8_0: 'Q8_0' };

/** Tensors llama.cpp's converter keeps in float32 whatever the output type. */
const KEPT_F32 = /^position_embd\.weight$/;

export interface GgufExportResult {
  out: string;
  bytes: number;
  tensors: number;
  /** How many tensors were written per type. */
  types: Partial<Record<GgmlTypeName, number>>;
  notes: string[];
}

/** The type of one tensor: 1-D tensors stay float32; Q8_0 needs rows of a multiple of 32 values (else float16, as the converter falls back). */
function tensorType(name: string, dims: readonly number[], wanted: GgmlTypeName): GgmlTypeName {
  if (dims.length === 1 || KEPT_F32.test(name)) return 'F32';
  if (wanted === 'Q8_0' && dims[0]! % Q8_0_BLOCK !== 0) return 'F16';
  return wanted;
}

function toGguf(mapped: MappedTensor, values: () => Float32Array, wanted: GgmlTypeName): GgufTensor {
  const dims = [...mapped.shape].reverse();
  return { name: mapped.gguf, dims, type: tensorType(mapped.gguf, dims, wanted), values: () => (mapped.transform ? mapped.transform(values(), mapped.shape) : values()) };
}

function count(tensors: readonly GgufTensor[]): Partial<Record<GgmlTypeName, number>> {
  const out: Partial<Record<GgmlTypeName, number>> = {};
  for (const t of tensors) out[t.type] = (out[t.type] ?? 0) + 1;
  return out;
}

/** A merged model as GGUF; `adapter` is merged into the base weights first. */
export async function exportModelGguf(options: { model: string; adapter?: string; out: string; type: GgufOutType; name?: string }): Promise<GgufExportResult> {
  const base = await CausalLM.load(options.model);
  let weights = base.floatWeights();
  if (options.adapter) {
    const { lora, extra } = await loadAdapter(base, options.adapter);
    const rt = new Runtime();
    try {
      weights = await mergeAdapter(rt, lora, weights, extra);
    } finally {
      await rt.close();
    }
  }
  const name = options.name ?? basename(options.adapter ?? options.model);
  const mapping = architectureMapping(base.config, base.shapes, name);
  const files = await readTokenizerFiles(options.model);
  const tokenizer = await loadTokenizer(options.model);
  const vocab = tokenizerMetadata(files, tokenizer, base.config.vocabSize);
  const wanted = OUT_TYPES[options.type];
  const tensors = mapping.tensors.map((m) => toGguf(m, () => weights.get(m.hf)!, wanted));
  const metadata = new Map<string, GgufValue>([
    ...mapping.metadata,
    ['general.file_type', u32(FILE_TYPES[wanted])],
    ['general.quantization_version', u32(2)],
    ...vocab.entries,
  ]);
  const bytes = await writeGguf(options.out, metadata, tensors);
  return { out: options.out, bytes, tensors: tensors.length, types: count(tensors), notes: vocab.notes };
}

/** The adapter alone as a llama.cpp LoRA GGUF: A and B of every adapted module under the base tensor's name. */
export async function exportLoraGguf(options: { model: string; adapter: string; out: string; type: GgufOutType }): Promise<GgufExportResult> {
  const base = await CausalLM.load(options.model);
  const { lora, extra } = await loadAdapter(base, options.adapter);
  if (extra.size > 0) {
    throw new TunaInputError(`${options.adapter}: the adapter also trains ${[...extra.keys()].join(', ')} (modules_to_save), which llama.cpp's LoRA GGUF cannot carry; export the merged model instead (--format gguf)`);
  }
  if (base.config.modelType === 'gpt2') throw new TunaInputError('--format gguf-lora: GPT-2 adapters are not exported yet; export the merged model instead (--format gguf)');
  const mapping = architectureMapping(base.config, base.shapes, basename(options.adapter));
  const byHf = new Map(mapping.tensors.map((t) => [t.hf, t]));
  const wanted = OUT_TYPES[options.type];
  const tensors: GgufTensor[] = [];
  for (const [module, t] of lora.adapters) {
    const target = byHf.get(`${module}.weight`);
    if (!target) throw new TunaInputError(`${options.adapter}: module ${module} has no llama.cpp tensor to attach to`);
    const r = lora.config.r;
    // A (r, in) is used as is; B's rows are the base weight's output rows, so they get its permutation.
    tensors.push(toGguf({ gguf: `${target.gguf}.lora_a`, hf: module, shape: [r, t.inFeatures] }, () => t.a, wanted));
    tensors.push(toGguf({ gguf: `${target.gguf}.lora_b`, hf: module, shape: [t.outFeatures, r], ...(target.transform ? { transform: target.transform } : {}) }, () => t.b, wanted));
  }
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', str(mapping.arch)],
    ['general.type', str('adapter')],
    ['general.name', str(basename(options.adapter))],
    ['general.file_type', u32(FILE_TYPES[wanted])],
    ['general.quantization_version', u32(2)],
    ['adapter.type', str('lora')],
    // llama.cpp scales by alpha / r; this alpha gives the adapter's own scale (rsLoRA included).
    ['adapter.lora.alpha', f32(lora.scale * lora.config.r)],
  ]);
  const bytes = await writeGguf(options.out, metadata, tensors);
  return { out: options.out, bytes, tensors: tensors.length, types: count(tensors), notes: [] };
}
