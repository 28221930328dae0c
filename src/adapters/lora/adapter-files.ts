// PEFT's adapter files: adapter_config.json, adapter_model.safetensors (keys
// base_model.model.<module>.lora_A.weight / lora_B.weight) and a README model card.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TunaInputError } from '../../errors.js';
import { formatShape, sameShape } from '../../graph/shape.js';
import { writeFolderAtomically } from '../../io/atomic-dir.js';
import { openSafetensors, writeSafetensors, type SafetensorsFile, type TensorToWrite } from '../../io/safetensors.js';
import type { CausalLM } from '../../models/model.js';
import { fromPeftConfigJson, toPeftConfigJson } from './config.js';
import { loraKey, LoraModel } from './lora-model.js';
import { targetNames } from './targets.js';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

/** The adapter's tensors under PEFT's saved key names. */
export function adapterStateDict(lora: LoraModel, baseWeights?: Map<string, Float32Array>): Record<string, TensorToWrite> {
  const out: Record<string, TensorToWrite> = {};
  for (const [module, t] of lora.adapters) {
    out[loraKey(module, 'A')] = { dtype: 'F32', shape: [lora.config.r, t.inFeatures], data: t.a };
    out[loraKey(module, 'B')] = { dtype: 'F32', shape: [t.outFeatures, lora.config.r], data: t.b };
  }
  for (const name of lora.extraTrainable) {
    const data = baseWeights?.get(name);
    if (data) out[`base_model.model.${name}`] = { dtype: 'F32', shape: lora.base.shapes.get(name)!, data };
  }
  // With ensure_weight_tying PEFT saves the tied head too, under the head's own module name.
  const tied = lora.trainedTiedHead;
  const embedding = tied && baseWeights?.get(tied.weight);
  if (tied && embedding) out[`base_model.model.${tied.module}.weight`] = { dtype: 'F32', shape: lora.base.shapes.get(tied.weight)!, data: embedding };
  return out;
}

function modelCard(lora: LoraModel): string {
  const base = lora.config.baseModelNameOrPath ?? 'a local model';
  return [
    '---',
    `base_model: ${lora.config.baseModelNameOrPath ?? ''}`,
    'library_name: peft',
    'tags:',
    '- lora',
    '- tuna',
    '---',
    '',
    `# LoRA adapter for ${base}`,
    '',
    `Rank ${lora.config.r}, alpha ${lora.config.loraAlpha}, on ${targetNames(lora.modules).join(', ')}.`,
    `${lora.trainableParametersLine()}`,
    '',
    'Load it with PEFT (`PeftModel.from_pretrained(base, path)`) or with Tuna (`--adapter path`).',
    '',
  ].join('\n');
}

/** Writes the adapter folder atomically. `extra` are trained base tensors (biases, modules_to_save). */
export async function saveAdapter(lora: LoraModel, dir: string, extra?: Map<string, Float32Array>): Promise<void> {
  const targets = lora.config.targetModules === 'all-linear' || typeof lora.config.targetModules === 'string'
    ? lora.config.targetModules
    : targetNames(lora.modules);
  await writeFolderAtomically(dir, async (tmp) => {
    await writeFile(join(tmp, ADAPTER_CONFIG), `${JSON.stringify(toPeftConfigJson(lora.config, targets), null, 2)}\n`);
    await writeSafetensors(join(tmp, ADAPTER_WEIGHTS), adapterStateDict(lora, extra), { format: 'pt' });
    await writeFile(join(tmp, 'README.md'), modelCard(lora));
  });
}

/**
 * A trained tied embedding without ensure_weight_tying: PEFT applies it to the input only, and the
 * head is whatever the base matrix holds after loading: the saved head tensor (Tuna writes the
 * embedding there, so the head is tied again) or, without one, the original, which Tuna cannot compute.
 */
async function checkTiedHead(lora: LoraModel, file: SafetensorsFile, where: string): Promise<void> {
  const tied = lora.trainedTiedHead;
  if (!tied || lora.config.ensureWeightTying) return;
  const headKey = `base_model.model.${tied.module}.weight`;
  const embedKey = `base_model.model.${tied.weight}`;
  if (file.has(headKey) && file.has(embedKey) && Buffer.from(await file.readRaw(headKey)).equals(Buffer.from(await file.readRaw(embedKey)))) return;
  throw new TunaInputError(
    `${where}: modules_to_save trains ${tied.weight}, which this model also uses as its output head (tied), but ensure_weight_tying is false ` +
      `and "${headKey}" is ${file.has(headKey) ? 'another matrix' : 'missing'}: PEFT then applies the trained embedding to the input only and keeps ` +
      `a different head, which Tuna does not compute. If the adapter was trained with the head tied (as Tuna trains it), set "ensure_weight_tying": true in ${ADAPTER_CONFIG}; otherwise load it with PEFT`,
  );
}

/** Loads a PEFT LoRA adapter (written by Tuna or by PEFT) onto a base model. */
export async function loadAdapter(base: CausalLM, dir: string): Promise<{ lora: LoraModel; extra: Map<string, Float32Array> }> {
  const configPath = join(dir, ADAPTER_CONFIG);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new TunaInputError(`${configPath}: ${missing ? 'not found; is this a PEFT adapter folder?' : `not valid JSON (${(error as Error).message})`}`);
  }
  const config = fromPeftConfigJson(json, configPath);
  let lora: LoraModel;
  try {
    lora = new LoraModel(base, config);
  } catch (error) {
    if (error instanceof TunaInputError) throw new TunaInputError(`${configPath}: ${error.message}`);
    throw error;
  }
  const file = await openSafetensors(join(dir, ADAPTER_WEIGHTS));
  const where = join(dir, ADAPTER_WEIGHTS);
  // PEFT may save with or without the ".default" adapter name; Tuna accepts both.
  const find = (key: string) => [key, key.replace(/\.weight$/, '.default.weight')].find((k) => file.has(k));
  for (const [module, t] of lora.adapters) {
    for (const [which, expected, target] of [['A', [config.r, t.inFeatures], t.a], ['B', [t.outFeatures, config.r], t.b]] as const) {
      const key = find(loraKey(module, which));
      if (!key) throw new TunaInputError(`${where}: tensor "${loraKey(module, which)}" is missing; the adapter does not fit this base model`);
      const info = file.info(key);
      if (!sameShape(info.shape, expected)) {
        throw new TunaInputError(`${where}: tensor "${key}" has shape ${formatShape(info.shape)}, expected ${formatShape(expected)} for this base model`);
      }
      target.set(await file.readFloat32(key));
    }
  }
  const extra = new Map<string, Float32Array>();
  for (const name of lora.extraTrainable) {
    const key = `base_model.model.${name}`;
    if (file.has(key)) extra.set(name, await file.readFloat32(key));
  }
  await checkTiedHead(lora, file, where);
  return { lora, extra };
}
