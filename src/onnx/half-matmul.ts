// HalfMatMul in ONNX: a float32 activation times a float16 weight, the weight cast to float32 a
// block of rows at a time. Each block's slice is computed from the previous block's product, so
// the runtime can neither cast every block ahead of time nor hold them together: one block's
// float32 copy exists at a time, instead of the whole matrix (a 32000 x 2048 output head is
// 262 MB in float32).
import { intAttr, MS_DOMAIN, type EmitContext, type OnnxAttribute, type OnnxNode } from './node-types.js';

const FLOAT = 1;
const INT64 = 7;

export function emitHalfMatMul(ctx: EmitContext<'HalfMatMul'>): OnnxNode[] {
  const [x, w] = ctx.inputs as [string, string];
  const { transposeB, blockRows } = ctx.attrs;
  const [rows] = ctx.node.inputs[1]!.shape as [number, number];
  const out = ctx.outputs[0]!;
  const nodes: OnnxNode[] = [];
  const node = (opType: string, input: string[], suffix: string | null, attribute: OnnxAttribute[] = [], domain?: string): string => {
    const output = suffix === null ? out : ctx.value(suffix);
    nodes.push({ opType, input, output: [output], name: output, attribute, ...(domain ? { domain } : {}) });
    return output;
  };
  /** 0 as int64, computed from the first element of `after`: an ordering dependency. */
  const zeroAfter = (after: string, j: number): string => {
    const first = node('Slice', [node('Reshape', [after, ctx.int64('flat', [-1])], `flat${j}`), ctx.int64('zero', [0]), ctx.int64('one', [1])], `first${j}`);
    const zero = node('Mul', [first, ctx.initializer('zero_f', 'float32', [0], [])], `zero_f${j}`);
    return node('Cast', [zero], `zero_i${j}`, [intAttr('to', INT64)]);
  };
  const blocks = Math.ceil(rows / blockRows);
  const parts: string[] = [];
  let after = x;
  for (let j = 0; j < blocks; j++) {
    const [start, end] = [j * blockRows, Math.min(rows, (j + 1) * blockRows)];
    const zero = zeroAfter(after, j);
    const starts = node('Add', [ctx.int64(`start${j}`, [start]), zero], `starts${j}`);
    const ends = node('Add', [ctx.int64(`end${j}`, [end]), zero], `ends${j}`);
    const block = node('Cast', [node('Slice', [w, starts, ends, ctx.int64('axis0', [0])], `w16_${j}`)], `w32_${j}`, [intAttr('to', FLOAT)]);
    if (transposeB) {
      // y[..., start:end] = x · w[start:end]ᵀ
      const y = node('FusedMatMul', [x, block], blocks === 1 ? null : `y${j}`, [intAttr('transA', 0), intAttr('transB', 1)], MS_DOMAIN);
      parts.push(y);
      after = y;
    } else {
      // x · w = Σ_j x[..., start:end] · w[start:end]
      const xs = node('Slice', [x, ctx.int64(`xs${j}`, [start]), ctx.int64(`xe${j}`, [end]), ctx.int64('last', [-1])], `x${j}`);
      const product = node('MatMul', [xs, block], blocks === 1 ? null : `p${j}`);
      after = j === 0 ? product : node('Add', [after, product], j === blocks - 1 ? null : `sum${j}`);
    }
  }
  if (transposeB && blocks > 1) node('Concat', parts, null, [intAttr('axis', -1)]);
  return nodes;
}
