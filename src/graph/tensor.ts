// Symbolic tensors and the nodes that produce them.
import type { DType } from './dtype.js';
import type { Op, OpAttrs } from './ops.js';
import type { Shape } from './shape.js';
import { formatShape } from './shape.js';

export interface Node<O extends Op = Op> {
  readonly id: number;
  readonly op: O;
  readonly inputs: readonly Tensor[];
  readonly attrs: OpAttrs[O];
  readonly outputs: Tensor[];
}

/** A value in a graph: a runtime input (fed by the caller) or the output of a node. */
export class Tensor {
  /** A readable name; graph inputs always have one, other values may be named for the ONNX file. */
  name: string | undefined;

  constructor(
    readonly graphId: number,
    readonly id: number,
    readonly shape: Shape,
    readonly dtype: DType,
    readonly producer: Node | null,
    readonly outputIndex: number,
    name?: string,
  ) {
    this.name = name;
  }

  get rank(): number {
    return this.shape.length;
  }

  get isInput(): boolean {
    return this.producer === null;
  }

  toString(): string {
    const what = this.producer ? `${this.producer.op}#${this.producer.id}` : 'input';
    return `${this.name ?? what} ${this.dtype}${formatShape(this.shape)}`;
  }
}
