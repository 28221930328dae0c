// The ONNX node form emitters produce, and the context an emitter gets from the lowering.
import type { DType } from '../graph/dtype.js';
import type { Op, OpAttrs } from '../graph/ops.js';
import type { Node } from '../graph/tensor.js';

export interface OnnxAttribute {
  name: string;
  type: number;
  i?: number;
  f?: number;
  ints?: number[];
  s?: Uint8Array;
}

export interface OnnxNode {
  opType: string;
  /** Operator set domain; absent for the default ONNX domain. */
  domain?: string;
  input: string[];
  output: string[];
  name: string;
  attribute: OnnxAttribute[];
}

export interface EmitContext<O extends Op = Op> {
  node: Node<O>;
  attrs: OpAttrs[O];
  inputs: string[];
  outputs: string[];
  /** Adds an int64 initializer (a 1-D list, or a scalar when `scalar`) and returns its name. */
  int64(suffix: string, values: number[], scalar?: boolean): string;
  /** Adds an initializer of any dtype and returns its name. */
  initializer(suffix: string, dtype: DType, values: number[], dims: number[]): string;
  /** A fresh value name for an intermediate of a multi-node emitter. */
  value(suffix: string): string;
}

/** onnxruntime's own operators (contrib ops). */
export const MS_DOMAIN = 'com.microsoft';

const FLOAT = 1;
const INT = 2;
const INTS = 7;
export const STRING = 3;

export const floatAttr = (name: string, f: number): OnnxAttribute => ({ name, type: FLOAT, f });
export const intAttr = (name: string, i: number): OnnxAttribute => ({ name, type: INT, i });
export const intsAttr = (name: string, ints: number[]): OnnxAttribute => ({ name, type: INTS, ints });
