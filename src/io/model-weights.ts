/**
 * A model folder's weights as one tensor source: `model.safetensors`, or the shards
 * named by `model.safetensors.index.json` (`weight_map`). transformers prefers the single file.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TunaInputError } from '../errors.js';
import { openSafetensors } from './safetensors-reader.js';
import type { SafetensorsFile, TensorSource } from './safetensors-reader.js';
import type { SafetensorsTensorInfo } from './safetensors-header.js';

export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

export interface ModelTensorInfo extends SafetensorsTensorInfo {
  /** The safetensors file holding the tensor, relative to the model folder. */
  file: string;
}

export interface ModelWeights extends TensorSource {
  readonly dir: string;
  /** Weight files in the order they were read, relative to `dir`. */
  readonly files: readonly string[];
  readonly tensors: readonly ModelTensorInfo[];
  info(name: string): ModelTensorInfo;
}

export async function openModelWeights(dir: string): Promise<ModelWeights> {
  if (await isFile(join(dir, SINGLE_WEIGHTS_FILE))) {
    return combine(dir, [{ file: SINGLE_WEIGHTS_FILE, source: await openSafetensors(join(dir, SINGLE_WEIGHTS_FILE)) }]);
  }
  if (await isFile(join(dir, WEIGHTS_INDEX_FILE))) return combine(dir, await openShards(dir));
  throw await noWeightsError(dir);
}

interface WeightFile {
  file: string;
  source: SafetensorsFile;
}

/** Opens every shard the index names, after checking all of them exist. */
async function openShards(dir: string): Promise<WeightFile[]> {
  const indexPath = join(dir, WEIGHTS_INDEX_FILE);
  const weightMap = await readWeightMap(indexPath);
  const tensorsByShard = new Map<string, string[]>();
  for (const [tensor, shard] of Object.entries(weightMap)) {
    const names = tensorsByShard.get(shard) ?? [];
    names.push(tensor);
    tensorsByShard.set(shard, names);
  }
  for (const [shard, names] of tensorsByShard) {
    if (await isFile(join(dir, shard))) continue;
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, ... (${names.length} in all)` : '');
    throw new TunaInputError(
      `${indexPath} maps tensors to shard "${shard}", which is missing from ${dir}: ${shown}. Download the model again or copy the missing shard.`,
    );
  }
  const shards: WeightFile[] = [];
  const byFileName = [...tensorsByShard].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [file, names] of byFileName) {
    const source = await openSafetensors(join(dir, file));
    const absent = names.find((name) => !source.has(name));
    if (absent !== undefined) {
      throw new TunaInputError(`${indexPath} says tensor "${absent}" is in ${source.path}, but that file does not hold it`);
    }
    shards.push({ file, source });
  }
  return shards;
}

async function readWeightMap(indexPath: string): Promise<Record<string, string>> {
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (error) {
    throw new TunaInputError(`${indexPath}: not valid JSON (${(error as Error).message})`);
  }
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new TunaInputError(`${indexPath}: expected a "weight_map" object of tensor name -> shard file`);
  }
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\') || shard.startsWith('.')) {
      throw new TunaInputError(`${indexPath}: weight_map["${tensor}"] must be a shard file name in the folder, got ${JSON.stringify(shard)}`);
    }
  }
  return weightMap as Record<string, string>;
}

function combine(dir: string, files: WeightFile[]): ModelWeights {
  const byName = new Map<string, { info: ModelTensorInfo; source: SafetensorsFile }>();
  for (const { file, source } of files) {
    for (const tensor of source.tensors) {
      const previous = byName.get(tensor.name);
      if (previous) {
        throw new TunaInputError(`tensor "${tensor.name}" is in both ${previous.source.path} and ${source.path} in ${dir}`);
      }
      byName.set(tensor.name, { info: { ...tensor, file }, source });
    }
  }
  const entry = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new TunaInputError(`tensor "${name}" is not in the weights of ${dir} (${byName.size} tensors)`);
    return found;
  };
  return {
    dir,
    files: files.map(({ file }) => file),
    tensors: [...byName.values()].map(({ info }) => info),
    metadata: files[0]?.source.metadata ?? {},
    has: (name) => byName.has(name),
    info: (name) => entry(name).info,
    read: async (name) => entry(name).source.read(name),
    readRaw: async (name) => entry(name).source.readRaw(name),
    readFloat32: async (name) => entry(name).source.readFloat32(name),
  };
}

async function noWeightsError(dir: string): Promise<TunaInputError> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return new TunaInputError(`model folder ${dir} does not exist`);
  }
  const pickles = names.filter((name) => /\.(bin|pt|pth|pkl|ckpt)$/.test(name));
  const hint = pickles.length
    ? ` It has ${pickles.join(', ')}: Tuna loads no pickled weights; convert them to safetensors first.`
    : '';
  return new TunaInputError(`${dir} has neither ${SINGLE_WEIGHTS_FILE} nor ${WEIGHTS_INDEX_FILE}.${hint}`);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
