// Which linear modules get adapters: PEFT's matching rules for target_modules and layers_to_transform.
import { TunaInputError } from '../../errors.js';
import type { LoraConfig } from './config.js';

/** The layer index in a module path such as `model.layers.3.self_attn.q_proj`, or null. */
export function layerIndex(module: string): number | null {
  const m = /\.(?:layers|h)\.(\d+)\./.exec(module);
  return m ? Number(m[1]) : null;
}

/**
 * PEFT: a string is a regex that must match the whole module path; a list matches a module whose
 * path equals an entry or ends with "." + entry; "all-linear" is every linear layer but the output head.
 */
export function resolveTargets(config: LoraConfig, linearModules: string[], defaults: readonly string[]): string[] {
  const spec = config.targetModules ?? [...defaults];
  let matched: string[];
  if (spec === 'all-linear') {
    matched = linearModules.filter((m) => m !== 'lm_head' && m !== 'embed_out');
  } else if (typeof spec === 'string') {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${spec})$`);
    } catch (e) {
      throw new TunaInputError(`target_modules: "${spec}" is not a valid regular expression (${(e as Error).message})`);
    }
    matched = linearModules.filter((m) => re.test(m));
  } else {
    const unknown = spec.filter((name) => !linearModules.some((m) => m === name || m.endsWith(`.${name}`)));
    if (unknown.length > 0) {
      const names = [...new Set(linearModules.map((m) => m.split('.').pop()!))];
      throw new TunaInputError(
        `target_modules: ${unknown.map((u) => `"${u}"`).join(', ')} match no module of this model; linear modules are: ${names.join(', ')}`,
      );
    }
    matched = linearModules.filter((m) => spec.some((name) => m === name || m.endsWith(`.${name}`)));
  }
  if (config.layersToTransform !== null) {
    const layers = new Set([config.layersToTransform].flat());
    matched = matched.filter((m) => layers.has(layerIndex(m) ?? -1));
  }
  if (matched.length === 0) {
    const names = [...new Set(linearModules.map((m) => m.split('.').pop()!))];
    throw new TunaInputError(`target_modules ${JSON.stringify(spec)} matched no module; linear modules are: ${names.join(', ')}`);
  }
  return matched;
}

/** The names PEFT stores in adapter_config.json target_modules: the distinct last path parts. */
export function targetNames(modules: string[]): string[] {
  return [...new Set(modules.map((m) => m.split('.').pop()!))].sort();
}
