// MatMul of a transposed operand as one onnxruntime FusedMatMul (transA / transB), planned before
// lowering. onnxruntime folds such a Transpose into the product itself, but only when it swaps
// just the last two axes, and its transpose optimizer first merges consecutive Transposes: the
// key of attention's scores, split into heads and then transposed, became one strided copy per
// layer (0.7 ms each on a 4 x 256 SmolLM2 step, moving single floats) that no fusion took.
import type { Node, Tensor } from '../graph/tensor.js';
import { floatAttr, intAttr, MS_DOMAIN, type OnnxNode } from './node-types.js';

export interface TransposedMatMul {
  a: Tensor;
  b: Tensor;
  transA: boolean;
  transB: boolean;
  /** The MatMul's output. */
  out: Tensor;
}

/** The product as onnxruntime's FusedMatMul, with values named by `nameOf`. */
export function fusedMatMulNode(p: TransposedMatMul, nameOf: (t: Tensor) => string): OnnxNode {
  const output = nameOf(p.out);
  return {
    opType: 'FusedMatMul', domain: MS_DOMAIN, input: [nameOf(p.a), nameOf(p.b)], output: [output], name: output,
    attribute: [intAttr('transA', p.transA ? 1 : 0), intAttr('transB', p.transB ? 1 : 0), floatAttr('alpha', 1)],
  };
}

export interface TransposeFolding {
  /** MatMul node id -> the product read from the transposes' inputs. */
  products: Map<number, TransposedMatMul>;
  /** Transpose node ids every consumer of which reads through a folded product: not emitted. */
  dropped: Set<number>;
}

/** Whether a tensor is a float32 Transpose output that swaps only its last two axes. */
function lastTwoSwapped(t: Tensor): boolean {
  const node = t.producer;
  if (!node || node.op !== 'Transpose' || t.dtype !== 'float32' || t.rank < 2) return false;
  const perm = (node.attrs as { perm: number[] }).perm;
  const r = perm.length;
  return perm.every((p, i) => (i < r - 2 ? p === i : p === (i === r - 1 ? r - 2 : r - 1)));
}

/** The tensor under a chain of last-two-axes swaps, and whether the chain transposes it. */
function unwrap(t: Tensor): { source: Tensor; transposed: boolean } {
  let source = t;
  let transposed = false;
  while (lastTwoSwapped(source)) {
    source = source.producer!.inputs[0]!;
    transposed = !transposed;
  }
  return { source, transposed };
}

export function foldTransposedMatMuls(nodes: readonly Node[], outputs: readonly Tensor[]): TransposeFolding {
  const uses = new Map<number, number>();
  const use = (t: Tensor, by = 1) => uses.set(t.id, (uses.get(t.id) ?? 0) + by);
  for (const node of nodes) for (const t of node.inputs) use(t);
  for (const t of outputs) use(t);

  const products = new Map<number, TransposedMatMul>();
  for (const node of nodes) {
    if (node.op !== 'MatMul') continue;
    const [a, b] = node.inputs as [Tensor, Tensor];
    // Only rank-2-or-more operands: a rank-1 operand changes MatMul's broadcasting.
    if (a.rank < 2 || b.rank < 2 || a.dtype !== 'float32') continue;
    const ua = unwrap(a);
    const ub = unwrap(b);
    if (ua.source === a && ub.source === b) continue;
    products.set(node.id, { a: ua.source, b: ub.source, transA: ua.transposed, transB: ub.transposed, out: node.outputs[0]! });
    for (const [operand, { source }] of [[a, ua], [b, ub]] as const) {
      if (source === operand) continue;
      use(operand, -1);
      use(source);
    }
  }
  // Consumers come after producers: walking back, a swap nothing reads any more is dropped, and
  // with it its own read of its input.
  const dropped = new Set<number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const out = node.outputs[0]!;
    if (!lastTwoSwapped(out) || (uses.get(out.id) ?? 0) > 0) continue;
    dropped.add(node.id);
    use(node.inputs[0]!, -1);
  }
  return { products, dropped };
}
