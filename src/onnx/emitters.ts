// One ONNX emitter per primitive op (opset 17). An emitter turns a graph node into ONNX nodes,
// adding small int64 initializers for the shape-like operands ONNX takes as inputs.
import type { Op } from '../graph/ops.js';
import { ONNX_DTYPE } from './dtypes.js';
import { emitHalfMatMul } from './half-matmul.js';
import { emitInt8MatMul } from './int8-matmul.js';
import { floatAttr, intAttr, intsAttr, MS_DOMAIN, STRING, type EmitContext, type OnnxAttribute, type OnnxNode } from './node-types.js';

export { intAttr, intsAttr, MS_DOMAIN, type EmitContext, type OnnxAttribute, type OnnxNode } from './node-types.js';

export type Emitter<O extends Op = Op> = (ctx: EmitContext<O>) => OnnxNode[];

const NF4_QUANT_TYPE = 1;

const stringAttr = (name: string, s: string): OnnxAttribute => ({ name, type: STRING, s: new TextEncoder().encode(s) });

function make(ctx: EmitContext, opType: string, input: string[], attribute: OnnxAttribute[] = []): OnnxNode[] {
  return [{ opType, input, output: ctx.outputs, name: ctx.outputs[0]!, attribute }];
}

/** Ops whose ONNX form is the same op name with the same inputs and no attributes. */
const same: Emitter = (ctx) => make(ctx, ctx.node.op, ctx.inputs);

const reduceWithAxesInput: Emitter<'ReduceSum'> = (ctx) =>
  make(ctx, 'ReduceSum', [ctx.inputs[0]!, ctx.int64('axes', ctx.attrs.axes)], [intAttr('keepdims', ctx.attrs.keepDims ? 1 : 0)]);

const reduceWithAxesAttr: Emitter<'ReduceMean' | 'ReduceMax'> = (ctx) =>
  make(ctx, ctx.node.op, ctx.inputs, [intsAttr('axes', ctx.attrs.axes), intAttr('keepdims', ctx.attrs.keepDims ? 1 : 0)]);

export const emitters = {
  Constant: () => [], // lowered as an initializer
  Add: same, Sub: same, Mul: same, Div: same, Pow: same, Max: same, Min: same,
  Neg: same, Exp: same, Log: same, Sqrt: same, Reciprocal: same, Tanh: same, Erf: same, Sigmoid: same,
  Equal: same, Less: same, Greater: same, LessOrEqual: same, GreaterOrEqual: same, Not: same, And: same,
  Where: same, MatMul: same, GatherND: same,
  BitShift: (ctx) => make(ctx, 'BitShift', ctx.inputs, [stringAttr('direction', ctx.attrs.direction.toUpperCase())]),
  Reshape: (ctx) => make(ctx, 'Reshape', [ctx.inputs[0]!, ctx.int64('shape', ctx.attrs.shape)]),
  Transpose: (ctx) => make(ctx, 'Transpose', ctx.inputs, [intsAttr('perm', ctx.attrs.perm)]),
  Slice: (ctx) => make(ctx, 'Slice', [
    ctx.inputs[0]!, ctx.int64('starts', ctx.attrs.starts), ctx.int64('ends', ctx.attrs.ends), ctx.int64('axes', ctx.attrs.axes),
  ]),
  Pad: (ctx) => make(ctx, 'Pad', [ctx.inputs[0]!, ctx.int64('pads', ctx.attrs.pads)]),
  Concat: (ctx) => make(ctx, 'Concat', ctx.inputs, [intAttr('axis', ctx.attrs.axis)]),
  Split: (ctx) => make(ctx, 'Split', [ctx.inputs[0]!, ctx.int64('split', ctx.attrs.sizes)], [intAttr('axis', ctx.attrs.axis)]),
  Unsqueeze: (ctx) => make(ctx, 'Unsqueeze', [ctx.inputs[0]!, ctx.int64('axes', ctx.attrs.axes)]),
  Squeeze: (ctx) => make(ctx, 'Squeeze', [ctx.inputs[0]!, ctx.int64('axes', ctx.attrs.axes)]),
  Expand: (ctx) => make(ctx, 'Expand', [ctx.inputs[0]!, ctx.int64('shape', ctx.attrs.shape)]),
  Gather: (ctx) => make(ctx, 'Gather', ctx.inputs, [intAttr('axis', ctx.attrs.axis)]),
  ScatterNDAdd: (ctx) => make(ctx, 'ScatterND', ctx.inputs, [stringAttr('reduction', 'add')]),
  Cast: (ctx) => make(ctx, 'Cast', ctx.inputs, [intAttr('to', ONNX_DTYPE[ctx.attrs.to])]),
  ReduceSum: reduceWithAxesInput,
  ReduceMean: reduceWithAxesAttr,
  ReduceMax: reduceWithAxesAttr,
  // onnxruntime's SimplifiedLayerNormalization (its kernel for float32, float64 and float16; the
  // per-row output is float32 for each).
  RmsNorm: (ctx) => make(ctx, 'SimplifiedLayerNormalization', ctx.inputs, [intAttr('axis', -1), floatAttr('epsilon', ctx.attrs.eps)]),
  // x * Sigmoid(x): onnxruntime fuses the pair into one QuickGelu (alpha 1) where nothing else reads the sigmoid.
  Silu: (ctx) => {
    const sigmoid = `${ctx.outputs[0]!}:sigmoid`;
    return [
      { opType: 'Sigmoid', input: [ctx.inputs[0]!], output: [sigmoid], name: sigmoid, attribute: [] },
      { opType: 'Mul', input: [ctx.inputs[0]!, sigmoid], output: ctx.outputs, name: ctx.outputs[0]!, attribute: [] },
    ];
  },
  // onnxruntime's contrib kernel, fed the tables as its cache and each (b, t) its own row b*T + t.
  Rotary: (ctx) => {
    const [b, n, t, d] = ctx.node.inputs[0]!.shape as [number, number, number, number];
    const rotaryDim = 2 * ctx.node.inputs[1]!.shape[1]!;
    const rows = ctx.initializer('rows', 'int64', [...Array(b * t).keys()], [b, t]);
    const partial = rotaryDim < d ? [intAttr('rotary_embedding_dim', rotaryDim), intAttr('num_heads', n)] : [];
    return [{
      opType: 'RotaryEmbedding', domain: MS_DOMAIN, input: [ctx.inputs[0]!, rows, ctx.inputs[1]!, ctx.inputs[2]!], output: ctx.outputs,
      name: ctx.outputs[0]!, attribute: [intAttr('interleaved', 0), ...partial],
    }];
  },
  Softmax: (ctx) => make(ctx, 'Softmax', ctx.inputs, [intAttr('axis', ctx.attrs.axis)]),
  // LogSoftmax over the last axis, then the summed negative log-likelihood: onnxruntime's fused
  // SoftmaxCrossEntropyLoss transposes the logits internally (a logits-sized temporary).
  SoftmaxCrossEntropy: (ctx) => [
    { opType: 'LogSoftmax', input: [ctx.inputs[0]!], output: [ctx.outputs[1]!], name: ctx.outputs[1]!, attribute: [intAttr('axis', -1)] },
    { opType: 'NegativeLogLikelihoodLoss', input: [ctx.outputs[1]!, ctx.inputs[1]!], output: [ctx.outputs[0]!], name: ctx.outputs[0]!,
      attribute: [stringAttr('reduction', 'sum'), intAttr('ignore_index', ctx.attrs.ignoreIndex)] },
  ],
  // onnxruntime's contrib kernel: dequantizes the codes into a scratch buffer, then one SGEMM.
  Nf4MatMul: (ctx) => [{
    opType: 'MatMulBnb4', domain: MS_DOMAIN, input: ctx.inputs, output: ctx.outputs, name: ctx.outputs[0]!,
    attribute: [intAttr('K', ctx.attrs.k), intAttr('N', ctx.attrs.n), intAttr('block_size', ctx.attrs.blocksize), intAttr('quant_type', NF4_QUANT_TYPE)],
  }],
  Int8MatMul: emitInt8MatMul,
  HalfMatMul: emitHalfMatMul,
  Trilu: (ctx) => make(ctx, 'Trilu', [ctx.inputs[0]!, ctx.int64('k', [ctx.attrs.k], true)], [intAttr('upper', ctx.attrs.upper ? 1 : 0)]),
} satisfies { [O in Op]: Emitter<O> };
