/**
 * Writes a model's weights as transformers' save_pretrained does: one
 * `model.safetensors`, or `model-0000i-of-0000n.safetensors` shards plus an index.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TunaInputError } from '../errors.js';
import { SINGLE_WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './model-weights.js';
import { storedByteLength, writeSafetensors } from './safetensors-writer.js';
import type { TensorToWrite } from './safetensors-writer.js';

/** transformers' default `max_shard_size="5GB"` (decimal gigabytes). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

export interface ShardedWriteOptions {
  maxShardBytes?: number;
  /** Stored in every file's `__metadata__`; `format: "pt"` is added, as transformers requires it. */
  metadata?: Record<string, string>;
}

export interface ShardedWriteResult {
  /** Weight files written, relative to the folder. */
  files: string[];
  /** `model.safetensors.index.json` when sharded, else null. */
  indexFile: string | null;
  /** Sum of the stored tensor bytes (the index's `total_size`). */
  totalSize: number;
}

const SHARD_NAME = /^model-\d{5}-of-\d{5}\.safetensors$/;

export async function writeShardedSafetensors(
  dir: string,
  tensors: Record<string, TensorToWrite>,
  options: ShardedWriteOptions = {},
): Promise<ShardedWriteResult> {
  const maxShardBytes = options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES;
  if (!(maxShardBytes > 0)) throw new TunaInputError(`maxShardBytes must be positive, got ${maxShardBytes}`);
  const metadata = { format: 'pt', ...options.metadata };
  const { shards, totalSize } = planShards(tensors, maxShardBytes);
  await mkdir(dir, { recursive: true });

  if (shards.length <= 1) {
    await writeSafetensors(join(dir, SINGLE_WEIGHTS_FILE), shards[0] ?? {}, metadata);
    await removeStaleWeights(dir, [SINGLE_WEIGHTS_FILE]);
    return { files: [SINGLE_WEIGHTS_FILE], indexFile: null, totalSize };
  }

  const count = String(shards.length).padStart(5, '0');
  const files = shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${count}.safetensors`);
  const weightMap: Record<string, string> = {};
  for (const [i, shard] of shards.entries()) {
    await writeSafetensors(join(dir, files[i]!), shard, metadata);
    for (const name of Object.keys(shard)) weightMap[name] = files[i]!;
  }
  await writeIndex(dir, totalSize, weightMap);
  await removeStaleWeights(dir, [...files, WEIGHTS_INDEX_FILE]);
  return { files, indexFile: WEIGHTS_INDEX_FILE, totalSize };
}

/**
 * Fills shards in insertion order up to the limit, as huggingface_hub's
 * split_torch_state_dict_into_shards does; a tensor above the limit gets a shard of its own.
 */
export function planShards(tensors: Record<string, TensorToWrite>, maxShardBytes: number) {
  const shards: Record<string, TensorToWrite>[] = [];
  let current: Record<string, TensorToWrite> = {};
  let currentBytes = 0;
  let totalSize = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = storedByteLength(name, tensor);
    totalSize += bytes;
    if (bytes > maxShardBytes) {
      shards.push({ [name]: tensor });
      continue;
    }
    if (currentBytes + bytes > maxShardBytes) {
      shards.push(current);
      current = {};
      currentBytes = 0;
    }
    current[name] = tensor;
    currentBytes += bytes;
  }
  if (Object.keys(current).length > 0) shards.push(current);
  return { shards, totalSize };
}

/** Same bytes as transformers: `json.dumps(index, indent=2, sort_keys=True) + "\n"`. */
async function writeIndex(dir: string, totalSize: number, weightMap: Record<string, string>): Promise<void> {
  const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const text = `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: sorted }, null, 2)}\n`;
  const temporary = join(dir, `${WEIGHTS_INDEX_FILE}.${process.pid}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, join(dir, WEIGHTS_INDEX_FILE));
}

/** A leftover single file or index from an earlier save would shadow the new weights. */
async function removeStaleWeights(dir: string, keep: string[]): Promise<void> {
  for (const name of await readdir(dir)) {
    const isWeights = name === SINGLE_WEIGHTS_FILE || name === WEIGHTS_INDEX_FILE || SHARD_NAME.test(name);
    if (isWeights && !keep.includes(name)) await rm(join(dir, name), { force: true });
  }
}
