import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildByteLevelBpe, Tokenizer, writeTokenizerFiles } from '../../tokenizer/index.js';
import type { BpeStyle, BuiltTokenizer } from '../../tokenizer/index.js';

// The data tests' own corpus, so their expected ids do not move when the built-in corpus changes.
const CORPUS = [
  'What is Tuna? A toolkit to fine-tune language models on your own machine.',
  'Does it need Python? No. Where does it run? On your own machine, with no Python.',
  'Question and answer, instruction and response: the answer is trained, the question is not.',
  'The capital of France is Paris. The capital of Italy is Rome. Hello world, hello there.',
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.',
].join('\n');

/** Vocabulary of the golden tokenizers: the specials, 256 bytes and 100 merges. */
export const TINY_VOCAB = 359;

const built = new Map<BpeStyle, BuiltTokenizer>();

/** A byte-level BPE in `style` trained on the data tests' corpus (built once per process). */
export function tinyBuild(style: BpeStyle): BuiltTokenizer {
  let result = built.get(style);
  if (!result) built.set(style, (result = buildByteLevelBpe({ vocabSize: TINY_VOCAB, style, corpus: CORPUS })));
  return result;
}

/** The tokenizer in memory; `config` overrides tokenizer_config.json fields (say pad_token). */
export function tinyTokenizer(style: BpeStyle, config: Record<string, unknown> = {}): Tokenizer {
  const b = tinyBuild(style);
  return new Tokenizer({
    folder: `tiny-${style}`,
    tokenizerJson: b.tokenizerJson,
    tokenizerConfig: { ...b.tokenizerConfig, ...config },
    specialTokensMap: { ...b.specialTokensMap, ...config },
  });
}

/** A model folder holding the tokenizer files and a config.json, as resolveModel expects. */
export async function writeTinyModel(folder: string, style: BpeStyle): Promise<string> {
  const b = tinyBuild(style);
  await writeTokenizerFiles(folder, b);
  await writeFile(join(folder, 'config.json'), JSON.stringify({ model_type: 'llama', vocab_size: b.vocabSize, eos_token_id: b.eosTokenId }));
  return folder;
}
