// An int8 frozen linear layer inside a graph: codes and scales are graph inputs named after the
// weight's checkpoint key; the product quantizes each input row to int8 on the fly (Int8MatMul).
import type { Graph } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import type { Int8Tensor } from './int8-tensor.js';

export const int8ScaleKey = (key: string) => `${key}.scale`;

/** x (..., in) times the weight: (x · codes) * scales, (..., out). */
export function int8Linear(g: Graph, x: Tensor, key: string, inFeatures: number, outFeatures: number): Tensor {
  const codes = g.sharedInput(key, [inFeatures, outFeatures], 'int8');
  return g.int8MatMul(x, codes, false, g.sharedInput(int8ScaleKey(key), [outFeatures]));
}

/** Host feeds matching int8Linear's inputs. */
export function int8Feeds(key: string, t: Int8Tensor): Record<string, { data: Int8Array | Float32Array; shape: number[]; dtype: 'int8' | 'float32' }> {
  return {
    [key]: { data: t.codes, shape: [t.inFeatures, t.outFeatures], dtype: 'int8' },
    [int8ScaleKey(key)]: { data: t.scales, shape: [t.outFeatures], dtype: 'float32' },
  };
}
