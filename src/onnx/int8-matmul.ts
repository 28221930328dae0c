// Int8MatMul in ONNX: per-row dynamic quantization of a (QuantizeLinear with one scale per row),
// onnxruntime's MatMulIntegerToFloat on uint8 x int8 (its VNNI kernel, with the int32 -> float32
// conversion and the column scales in the same pass; int8 x int8 and uint8 x uint8 run at 0.05x and
// 0.5x of uint8 x int8 here), then the row scales.
import { intAttr, intsAttr, MS_DOMAIN, type EmitContext, type OnnxAttribute, type OnnxNode } from './node-types.js';

const INT64 = 7;
/** uint8 codes of a symmetric int8 quantization: round(x / scale) + 128, in 1..255. */
const ZERO_POINT = 128;

export function emitInt8MatMul(ctx: EmitContext<'Int8MatMul'>): OnnxNode[] {
  const [a, b, columnScales] = ctx.inputs as [string, string, string | undefined];
  const { shape } = ctx.node.inputs[0]!;
  const k = shape.at(-1)!;
  const m = shape.slice(0, -1).reduce((x, y) => x * y, 1);
  const [bRows, bCols] = ctx.node.inputs[1]!.shape as [number, number];
  const n = ctx.attrs.transposeB ? bRows : bCols;
  const out = ctx.outputs[0]!;
  const nodes: OnnxNode[] = [];
  const node = (opType: string, input: string[], suffix: string | null, attribute: OnnxAttribute[] = []): string => {
    const output = suffix === null ? out : ctx.value(suffix);
    nodes.push({ opType, input, output: [output], name: output, attribute });
    return output;
  };
  const rows = shape.length === 2 ? a : node('Reshape', [a, ctx.int64('rows_shape', [m, k])], 'rows');
  // max |x| as max(max x, -min x): two reading passes, where Abs would also write a copy of a.
  const rowAxis = [intsAttr('axes', [1]), intAttr('keepdims', 0)];
  const rowMin = node('ReduceMin', [rows], 'rowmin', rowAxis);
  const absMax = node('Max', [node('ReduceMax', [rows], 'rowmax', rowAxis), node('Neg', [rowMin], 'negmin')], 'absmax');
  // An all-zero row (a token that carries no gradient) gets a tiny scale instead of a division by zero.
  const scale = node('Max', [node('Mul', [absMax, ctx.initializer('inv127', 'float32', [1 / 127], [])], 'scale0'), ctx.initializer('tiny', 'float32', [1e-30], [])], 'scale');
  const codes = node('QuantizeLinear', [rows, scale, ctx.initializer('zero_points', 'uint8', new Array<number>(m).fill(ZERO_POINT), [m])], 'codes', [intAttr('axis', 0)]);
  let weight = b;
  if (ctx.attrs.transposeB) {
    // The copy's shape is computed from a's first element, so the transpose cannot run before a exists.
    const first = node('Slice', [node('Reshape', [rows, ctx.int64('flat', [-1])], 'flat'), ctx.int64('zero', [0]), ctx.int64('one', [1])], 'first');
    const nothing = node('Cast', [node('Mul', [first, ctx.initializer('zero_f', 'float32', [0], [])], 'nothing_f')], 'nothing', [intAttr('to', INT64)]);
    const dims = node('Add', [ctx.int64('b_shape', [bRows, bCols]), nothing], 'b_dims');
    weight = node('Transpose', [node('Reshape', [b, dims], 'b_view')], 'b_t', [intsAttr('perm', [1, 0])]);
  }
  const one = ctx.initializer('one', 'float32', [1], []);
  const zeroPoint = ctx.initializer('zero_point', 'uint8', [ZERO_POINT], []);
  const product = node('MatMulIntegerToFloat', [codes, weight, one, columnScales ?? one, zeroPoint], 'product');
  nodes.at(-1)!.domain = MS_DOMAIN;
  const scaleColumn = node('Reshape', [scale, ctx.int64('scale_shape', [m, 1])], 'scale_col');
  const scaled = node('Mul', [product, scaleColumn], shape.length === 2 ? null : 'scaled');
  if (shape.length > 2) node('Reshape', [scaled, ctx.int64('out_shape', [...shape.slice(0, -1), n])], null);
  return nodes;
}
