// An int8 frozen linear layer inside a graph: codes and scales are graph inputs named after the
// weight's checkpoint key; the product quantizes each input row to int8 on the fly (Int8MatMul).
import type { Graph } from '../../graph/graph.js';
import type { Tensor } from '../../graph/tensor.js';
import type { Int8Tensor } from './int8-tensor.js';

/** Graph input names of a weight's codes and scales. */
export const int8CodesKey = (key: string) => `${key}.codes`;
export const int8ScaleKey = (key: string) => `${key}.scales`;

/** x (..., in) times the weight: (x · codes) * scales, (..., out); `exact`: see Graph.int8MatMul. */
export function int8Linear(g: Graph, x: Tensor, key: string, inFeatures: number, outFeatures: number, exact?: { weight: Tensor; blockRows: number }): Tensor {
  const codes = g.sharedInput(int8CodesKey(key), [inFeatures, outFeatures], 'int8');
  return g.int8MatMul(x, codes, false, g.sharedInput(int8ScaleKey(key), [outFeatures]), exact);
}

/** Host feeds matching int8Linear's inputs. */
export function int8Feeds(key: string, t: Int8Tensor): Record<string, { data: Int8Array | Float32Array; shape: number[]; dtype: 'int8' | 'float32' }> {
  return {
    [int8CodesKey(key)]: { data: t.codes, shape: [t.inFeatures, t.outFeatures], dtype: 'int8' },
    [int8ScaleKey(key)]: { data: t.scales, shape: [t.outFeatures], dtype: 'float32' },
  };
}
