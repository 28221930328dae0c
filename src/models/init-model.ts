// `tuna init-model`: a complete, randomly initialised Hugging Face model folder (config, F32
// weights, byte-level BPE tokenizer with a chat template, generation config) for tests, offline
// demos and benchmarks. transformers and transformers.js load it as they load a downloaded model.
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TunaInputError } from '../errors.js';
import { parseHfConfig, type HfModelConfig } from '../io/hf-config.js';
import { writeFolderAtomically } from '../io/atomic-dir.js';
import { writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import { buildByteLevelBpe, writeTokenizerFiles, type BuiltTokenizer } from '../tokenizer/index.js';
import {
  configFileText, generationConfigJson, hfConfigJson, INIT_ARCHITECTURES, INIT_PRESETS, INITIALIZER_RANGE, PRESET_SIZES,
  type InitArchitecture, type InitPreset,
} from './init-model-config.js';
import { initialWeights, type InitRules } from './init-model-weights.js';
import { architectureFor } from './registry.js';

export { INIT_ARCHITECTURES, INIT_PRESETS, type InitArchitecture, type InitPreset } from './init-model-config.js';

export interface InitModelOptions {
  arch: InitArchitecture;
  preset: InitPreset;
  /** The folder to write; it must not exist or be empty unless `overwrite`. */
  out: string;
  seed?: number;
  /** Replace a folder that has files in it. */
  overwrite?: boolean;
}

export interface InitModelResult {
  dir: string;
  arch: InitArchitecture;
  preset: InitPreset;
  parameters: number;
  vocabSize: number;
  files: string[];
}

const GPT_FAMILY = new Set<InitArchitecture>(['gpt2', 'gpt_neox']);

export async function initModel(options: InitModelOptions): Promise<InitModelResult> {
  const { arch, preset, out } = options;
  if (!INIT_ARCHITECTURES.includes(arch)) {
    throw new TunaInputError(`--arch ${JSON.stringify(arch)} is not one of ${INIT_ARCHITECTURES.join(', ')}`);
  }
  if (!INIT_PRESETS.includes(preset)) throw new TunaInputError(`--preset ${JSON.stringify(preset)} is not one of ${INIT_PRESETS.join(', ')}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new TunaInputError(`--seed must be an integer from 0 to 4294967295, got ${seed}`);
  if (!options.overwrite && (await hasFiles(out))) {
    throw new TunaInputError(`${out} already has files in it; choose a new folder or pass --force to replace it`);
  }

  const size = PRESET_SIZES[preset];
  const built = buildByteLevelBpe({ vocabSize: size.vocab, style: 'chatml', modelMaxLength: size.maxPositions });
  const gptStyle = GPT_FAMILY.has(arch);
  const tokenizer = gptStyle ? endOfTextSpecials(built) : built;
  const ids = { bos: tokenizer.bosTokenId, eos: tokenizer.eosTokenId, pad: tokenizer.padTokenId };
  const configJson = hfConfigJson(arch, size, ids);
  const config = parseHfConfig(configJson, join(out, 'config.json'));
  const shapes = architectureFor(config).parameters(config);
  const weights = initialWeights(shapes, initRules(config), seed);
  // GPT-style models end a document at <|endoftext|> and a chat turn at <|im_end|>.
  const generationEos = gptStyle ? [tokenizer.eosTokenId, built.eosTokenId] : tokenizer.eosTokenId;

  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, data] of weights) tensors[name] = { dtype: 'F32', shape: shapes.get(name)!, data };
  await writeFolderAtomically(out, async (tmp) => {
    await writeFile(join(tmp, 'config.json'), configFileText(configJson));
    await writeFile(join(tmp, 'generation_config.json'), configFileText(generationConfigJson({ ...ids, eos: generationEos })));
    await writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
    await writeTokenizerFiles(tmp, tokenizer);
  });
  return {
    dir: out,
    arch,
    preset,
    parameters: [...weights.values()].reduce((sum, w) => sum + w.length, 0),
    vocabSize: size.vocab,
    files: ['config.json', 'generation_config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'],
  };
}

/** transformers' `_init_weights` for the architecture of `config`. */
function initRules(config: HfModelConfig): InitRules {
  const rules: InitRules = { std: config.initializerRange };
  if (config.modelType === 'gpt2') {
    // GPT-2 scales the projections into the residual stream by 1 / sqrt(2 * n_layer).
    const residual = INITIALIZER_RANGE / Math.sqrt(2 * config.numHiddenLayers);
    rules.stdFor = (name) => (name.endsWith('c_proj.weight') ? residual : undefined);
  }
  if (config.modelType !== 'gpt2' && config.modelType !== 'gpt_neox' && config.padTokenId !== null) {
    // Llama, Mistral and Qwen2 build nn.Embedding(vocab, hidden, padding_idx=pad_token_id).
    rules.zeroRows = { 'model.embed_tokens.weight': config.padTokenId };
  }
  return rules;
}

/** GPT-2 and Pythia name <|endoftext|> as BOS, EOS, UNK (and here PAD); the ChatML markers stay as extra special tokens. */
function endOfTextSpecials(built: BuiltTokenizer): BuiltTokenizer {
  const endOfText = '<|endoftext|>';
  const id = built.padTokenId; // the ChatML style pads with <|endoftext|>
  const named = { bos_token: endOfText, eos_token: endOfText, pad_token: endOfText, unk_token: endOfText };
  const additional = ['<|im_start|>', '<|im_end|>'];
  return {
    ...built,
    tokenizerConfig: { ...built.tokenizerConfig, ...named, additional_special_tokens: additional },
    specialTokensMap: { additional_special_tokens: additional, ...named },
    bosTokenId: id,
    eosTokenId: id,
    padTokenId: id,
    unkTokenId: id,
  };
}

async function hasFiles(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'ENOTDIR') throw new TunaInputError(`${dir} is a file; --out takes a folder to create`);
    throw error;
  }
}
