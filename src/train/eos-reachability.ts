// Whether the token that ends each answer can be learned. A frozen output head (LoRA, QLoRA) whose
// EOS row equals other rows gives all of them the same logit whatever the adapter does, so the
// model never learns to stop (stories260K's `</s>` shares its tied row with 168 ids).
import { join } from 'node:path';
import type { LoraModel } from '../adapters/lora/lora-model.js';
import type { DatasetWarning } from '../data/inspect/warnings.js';
import { TunaInputError } from '../errors.js';
import { readHfConfig } from '../io/hf-config.js';
import { openModelWeights } from '../io/safetensors.js';
import { architectureFor, headModuleToSave } from '../models/registry.js';
import { TensorRows } from '../models/tensor-rows.js';
import type { OutputHead } from '../models/types.js';
import { loadTokenizer, type Tokenizer } from '../tokenizer/index.js';
import type { TrainExample } from './batching.js';

export interface SharedHeadRow {
  id: number;
  /** The other ids whose head row holds the same values. */
  twins: number[];
}

export interface HeadRowCheck {
  head: OutputHead;
  /** The name to give --modules-to-save so the head trains: the embedding when tied. */
  saveModule: string;
  /** Only the ids whose row is shared. */
  shared: SharedHeadRow[];
}

/** What the messages need from a tokenizer. */
export interface EndTokenNames {
  eosTokenIds: readonly number[];
  idToToken(id: number): string | undefined;
}

/**
 * Compares the head rows of `ids` with every other row, reading only the head matrix from the
 * weights; null when the folder has no config.json, no weights or an unsupported model type.
 */
export async function headRowTwins(modelDir: string, ids: readonly number[]): Promise<HeadRowCheck | null> {
  let head: OutputHead;
  let rows: TensorRows;
  try {
    const config = await readHfConfig(modelDir);
    head = architectureFor(config).outputHead(config);
    const info = (await openModelWeights(modelDir)).info(head.weight);
    if (info.shape.length !== 2) return null;
    rows = new TensorRows(join(modelDir, info.file), info);
  } catch (error) {
    // A tokenizer-only folder, or one Tuna cannot load: nothing to check, and inspect goes on.
    if (error instanceof TunaInputError) return null;
    throw error;
  }
  try {
    const inVocab = ids.filter((id) => id < rows.vocab);
    const shared = [...rows.twins(inVocab)].filter(([, twins]) => twins.length > 0).map(([id, twins]) => ({ id, twins }));
    return { head, saveModule: headModuleToSave(head), shared };
  } finally {
    rows.close();
  }
}

/**
 * One `eos-unlearnable` warning per shared row. Without `method` (inspect, prepare) the warning
 * says what LoRA or QLoRA would do; with it (train) it says what this run does.
 */
export function eosUnlearnableWarnings(check: HeadRowCheck, names: EndTokenNames, method?: 'lora' | 'qlora'): DatasetWarning[] {
  const { head, saveModule } = check;
  const quoted = (id: number) => `${JSON.stringify(names.idToToken(id) ?? '')} (id ${id})`;
  const where = head.tied ? `the output head (the input embedding ${saveModule}, tied to it)` : `the output head (${head.module})`;
  const fix = `--modules-to-save ${saveModule}${head.tied ? ', which trains the embedding and with it the head' : ''}`;
  const peft = `in PEFT: modules_to_save=["${saveModule}"]${head.tied ? ' and ensure_weight_tying=True, without which the head stays the frozen original' : ''}`;
  return check.shared.map(({ id, twins }) => {
    const role = names.eosTokenIds.includes(id) ? 'the end-of-sequence token' : 'the padding token';
    const shown = twins.slice(0, 3).map(quoted).join(', ') + (twins.length > 3 ? ', ...' : '');
    const same = `has the same row in ${where} as ${twins.length} other id${twins.length === 1 ? '' : 's'} (${shown})`;
    const effect = `all ${twins.length + 1} keep the same logit, so the model cannot learn to stop and runs on after its answers`;
    const message = method
      ? `${quoted(id)}, ${role} the answers end with, ${same}, and --method ${method} leaves that matrix frozen: ${effect}. Add ${fix} (or use --method full).`
      : `${quoted(id)}, ${role} the answers end with, ${same}. If you train with LoRA or QLoRA, which leave that matrix frozen, ${effect}. Train with ${fix} (${peft}), or with --method full.`;
    return { code: 'eos-unlearnable' as const, message, count: twins.length, lines: [] };
  });
}

/** The check for inspect and prepare: the trained end tokens against a model folder (no warning without weights). */
export async function eosRowWarnings(modelDir: string, trainedEndIds: readonly number[], names: EndTokenNames): Promise<DatasetWarning[]> {
  if (trainedEndIds.length === 0) return [];
  const check = await headRowTwins(modelDir, trainedEndIds);
  return check ? eosUnlearnableWarnings(check, names) : [];
}

/**
 * Train's check: warnings only when this run leaves the head frozen (LoRA or QLoRA training
 * neither the head nor, when tied, the embedding), for the end tokens the examples train.
 */
export async function frozenHeadWarnings(lora: LoraModel | null, method: 'lora' | 'qlora' | 'full', examples: readonly TrainExample[]): Promise<DatasetWarning[]> {
  if (!lora || method === 'full') return [];
  const model = lora.base;
  const head = model.arch.outputHead(model.config);
  if (lora.extraTrainable.includes(head.weight)) return [];
  let tokenizer: Tokenizer;
  try {
    tokenizer = await loadTokenizer(model.dir);
  } catch (error) {
    if (error instanceof TunaInputError) return [];
    throw error;
  }
  const ends = new Set([...tokenizer.eosTokenIds, ...(tokenizer.padTokenId === undefined ? [] : [tokenizer.padTokenId])]);
  const trained = new Set<number>();
  for (const e of examples) for (const label of e.labels) if (ends.has(label)) trained.add(label);
  if (trained.size === 0) return [];
  const check = await headRowTwins(model.dir, [...trained].sort((a, b) => a - b));
  return check ? eosUnlearnableWarnings(check, tokenizer, method) : [];
}
