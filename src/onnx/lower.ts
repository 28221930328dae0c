// Lowers a graph (forward, or forward and backward) to an ONNX ModelProto that onnxruntime runs.
// Value names are stable and readable: inputs and named values keep their names, other values
// are `<op>_<node id>`, so a lowered model reads like the code that built it.
import onnxProto from 'onnx-proto';
import { fromNumbers, type DType, type TypedArray } from '../graph/dtype.js';
import type { Graph } from '../graph/graph.js';
import type { Shape } from '../graph/shape.js';
import type { Node, Tensor } from '../graph/tensor.js';
import { ONNX_DTYPE } from './dtypes.js';
import { emitters, MS_DOMAIN, type EmitContext, type Emitter, type OnnxNode } from './emitters.js';
import { foldTransposedMatMuls, fusedMatMulNode } from './transposed-matmul.js';

const { onnx } = onnxProto;

export const OPSET = 17;

export interface ValueSpec {
  name: string;
  shape: Shape;
  dtype: DType;
}

export interface LoweredModel {
  /** Serialized ModelProto. */
  bytes: Uint8Array;
  /** Graph inputs the model reads, in declaration order (unused inputs are left out). */
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  /** Declared graph inputs that the outputs do not depend on (feeding them is allowed and ignored). */
  unusedInputs: string[];
  nodeCount: number;
}

interface Initializer {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

function rawBytes(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function valueInfo(spec: ValueSpec) {
  return {
    name: spec.name,
    type: { tensorType: { elemType: ONNX_DTYPE[spec.dtype], shape: { dim: spec.shape.map((d) => ({ dimValue: d })) } } },
  };
}

/** Nodes that the outputs depend on, in build order. */
function neededNodes(graph: Graph, outputs: Tensor[]): Node[] {
  const needed = new Set(outputs.map((t) => t.id));
  const keep: Node[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o.id))) continue;
    keep.push(node);
    for (const t of node.inputs) needed.add(t.id);
  }
  return keep.reverse();
}

/** Emitted constants of at most this many values are shared between nodes when equal. */
const SHARED_INITIALIZER_MAX = 4096;

export function lowerToOnnx(graph: Graph, outputs: Record<string, Tensor>, modelName = 'tuna'): LoweredModel {
  const outputTensors = Object.values(outputs);
  const nodes = neededNodes(graph, outputTensors);
  const reached = new Set(nodes.flatMap((n) => n.inputs.map((t) => t.id)));
  for (const t of outputTensors) reached.add(t.id);
  const inputs = graph.inputs.filter((t) => reached.has(t.id));

  const names = new Map<number, string>();
  const used = new Set<string>(inputs.map((t) => t.name!));
  const claim = (wanted: string): string => {
    let name = wanted;
    for (let k = 1; used.has(name); k++) name = `${wanted}_${k}`;
    used.add(name);
    return name;
  };
  for (const t of inputs) names.set(t.id, t.name!);
  // A value computed by a node takes its first output name itself: an Identity node per output
  // (60 per decode step of a 30-layer model, one per gradient a LoRA step returns) costs a kernel
  // launch and a copy. Inputs and constants (initializers) keep theirs and go out through Identity.
  const outputName = new Map<number, string>();
  const computed = new Set(nodes.filter((n) => n.op !== 'Constant').flatMap((n) => n.outputs.map((o) => o.id)));
  for (const [name, t] of Object.entries(outputs)) {
    if (computed.has(t.id) && !outputName.has(t.id) && !used.has(name)) outputName.set(t.id, claim(name));
  }
  for (const node of nodes) {
    const base = `${node.op.toLowerCase()}_${node.id}`;
    node.outputs.forEach((o, i) => {
      names.set(o.id, outputName.get(o.id) ?? claim(o.name ?? (node.outputs.length > 1 ? `${base}_${i}` : base)));
    });
  }

  const initializers: Initializer[] = [];
  const sharedInitializers = new Map<string, string>();
  const onnxNodes: OnnxNode[] = [];
  const folding = foldTransposedMatMuls(nodes, outputTensors);
  for (const node of nodes) {
    if (folding.dropped.has(node.id)) continue;
    const product = folding.products.get(node.id);
    if (product) {
      onnxNodes.push(fusedMatMulNode(product, (t) => names.get(t.id)!));
      continue;
    }
    if (node.op === 'Constant') {
      const t = node.outputs[0]!;
      const value = (node.attrs as { value: TypedArray }).value;
      initializers.push({ name: names.get(t.id)!, dims: [...t.shape], dataType: ONNX_DTYPE[t.dtype], rawData: rawBytes(value) });
      continue;
    }
    const outNames = node.outputs.map((o) => names.get(o.id)!);
    const ctx: EmitContext = {
      node,
      attrs: node.attrs,
      inputs: node.inputs.map((t) => names.get(t.id)!),
      outputs: outNames,
      int64: (suffix, values, scalar = false) => ctx.initializer(suffix, 'int64', values, scalar ? [] : [values.length]),
      initializer: (suffix, dtype, values, dims) => {
        // Equal small constants share one initializer, so onnxruntime's common-subexpression pass
        // can merge equal node chains (one input quantized once for q, k and v, not three times).
        const key = values.length <= SHARED_INITIALIZER_MAX ? `${dtype}[${dims.join(',')}]:${values.join(',')}` : null;
        const known = key === null ? undefined : sharedInitializers.get(key);
        if (known) return known;
        const name = claim(`${outNames[0]}_${suffix}`);
        initializers.push({ name, dims, dataType: ONNX_DTYPE[dtype], rawData: rawBytes(fromNumbers(dtype, values)) });
        if (key !== null) sharedInitializers.set(key, name);
        return name;
      },
      value: (suffix) => claim(`${outNames[0]}_${suffix}`),
    };
    const emit = emitters[node.op] as Emitter | undefined;
    if (!emit) throw new Error(`cannot lower op "${node.op}" (node ${node.id}): no ONNX emitter for it`);
    onnxNodes.push(...emit(ctx));
  }

  // Outputs take the caller's names through Identity nodes, so one value may be returned under several names.
  const outputSpecs: ValueSpec[] = [];
  for (const [name, t] of Object.entries(outputs)) {
    if (used.has(name) && names.get(t.id) !== name) throw new Error(`output name "${name}" is already used by another value`);
    if (names.get(t.id) !== name) {
      used.add(name);
      onnxNodes.push({ opType: 'Identity', input: [names.get(t.id)!], output: [name], name, attribute: [] });
    }
    outputSpecs.push({ name, shape: t.shape, dtype: t.dtype });
  }
  const inputSpecs = inputs.map((t) => ({ name: t.name!, shape: t.shape, dtype: t.dtype }));

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'tuna',
    opsetImport: [{ domain: '', version: OPSET }, ...(onnxNodes.some((n) => n.domain === MS_DOMAIN) ? [{ domain: MS_DOMAIN, version: 1 }] : [])],
    graph: {
      name: modelName,
      node: onnxNodes,
      initializer: initializers,
      input: inputSpecs.map(valueInfo),
      output: outputSpecs.map(valueInfo),
    },
  });
  const unusedInputs = graph.inputs.filter((t) => !reached.has(t.id)).map((t) => t.name!);
  return { bytes: onnx.ModelProto.encode(model).finish(), inputs: inputSpecs, outputs: outputSpecs, unusedInputs, nodeCount: onnxNodes.length };
}
