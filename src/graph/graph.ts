// The graph builder: primitive ops with static shape and dtype checking at build time.
import { allocate, fromNumbers, isFloat, type DType, type TypedArray } from './dtype.js';
import type { BinaryOp, CompareOp, Op, OpAttrs, UnaryOp } from './ops.js';
import { broadcastShapes, formatShape, normalizeAxis, sameShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type Node } from './tensor.js';

/** Thrown while building a graph: names the op and the shapes involved. */
export class GraphError extends Error {
  override name = 'GraphError';
}

let nextGraphId = 1;

export class Graph {
  readonly id = nextGraphId++;
  readonly inputs: Tensor[] = [];
  readonly nodes: Node[] = [];
  private nextTensorId = 0;
  private readonly inputNames = new Set<string>();
  private readonly recomputed = new Map<number, (gate: () => Tensor) => Tensor>();

  /** A value fed at run time. */
  input(name: string, shape: Shape, dtype: DType = 'float32'): Tensor {
    if (this.inputNames.has(name)) throw new GraphError(`input "${name}" is declared twice`);
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new GraphError(`input "${name}": bad shape ${formatShape(shape)}`);
    }
    this.inputNames.add(name);
    const t = new Tensor(this.id, this.nextTensorId++, [...shape], dtype, null, 0, name);
    this.inputs.push(t);
    return t;
  }

  /**
   * The input of this name, declared on first use: a builder that may run twice (gradient
   * checkpointing replays a block) reads the same input both times.
   */
  sharedInput(name: string, shape: Shape, dtype: DType = 'float32'): Tensor {
    const existing = this.inputs.find((t) => t.name === name);
    if (!existing) return this.input(name, shape, dtype);
    if (!sameShape(existing.shape, shape) || existing.dtype !== dtype) {
      throw new GraphError(`input "${name}" is declared as ${existing.dtype} ${formatShape(existing.shape)} and again as ${dtype} ${formatShape(shape)}`);
    }
    return existing;
  }

  /**
   * Registers how the backward pass recomputes `t` instead of keeping the forward pass's value
   * alive: gradient checkpointing. `gate()` gives a [1, 1] one that exists only once the backward
   * pass has reached the point of use (see autodiff's gradients); the recomputation is fed through it.
   */
  recomputeInBackward(t: Tensor, recompute: (gate: () => Tensor) => Tensor): void {
    this.own('recomputeInBackward', t);
    this.recomputed.set(t.id, recompute);
  }

  /** The value of `t` a gradient rule reads: recomputed when registered, else `t` itself. */
  forBackward(t: Tensor, gate: () => Tensor): Tensor {
    return this.recomputed.get(t.id)?.(gate) ?? t;
  }

  /** Gives a value a readable name in the lowered model. */
  named(t: Tensor, name: string): Tensor {
    this.own('named', t);
    t.name = name;
    return t;
  }

  constant(value: TypedArray, shape: Shape, dtype: DType): Tensor {
    if (value.length !== sizeOf(shape)) {
      throw new GraphError(`Constant: ${value.length} values do not fill shape ${formatShape(shape)}`);
    }
    return this.emit('Constant', [], { value }, [shape], [dtype]);
  }

  scalar(value: number, dtype: DType = 'float32'): Tensor {
    return this.constant(fromNumbers(dtype, [value]), [], dtype);
  }

  /** A constant filled with one value. */
  full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const data = allocate(dtype, sizeOf(shape));
    if (data instanceof BigInt64Array) data.fill(BigInt(value));
    else (data as Float32Array).fill(value);
    return this.constant(data, shape, dtype);
  }

  /** int64 constant 0..n-1. */
  arange(n: number, dtype: DType = 'int64'): Tensor {
    return this.constant(fromNumbers(dtype, Array.from({ length: n }, (_, i) => i)), [n], dtype);
  }

  // Elementwise, numpy broadcasting.
  add(a: Tensor, b: Tensor): Tensor { return this.binary('Add', a, b); }
  sub(a: Tensor, b: Tensor): Tensor { return this.binary('Sub', a, b); }
  mul(a: Tensor, b: Tensor): Tensor { return this.binary('Mul', a, b); }
  div(a: Tensor, b: Tensor): Tensor { return this.binary('Div', a, b); }
  pow(a: Tensor, b: Tensor): Tensor { return this.binary('Pow', a, b); }
  max(a: Tensor, b: Tensor): Tensor { return this.binary('Max', a, b); }
  min(a: Tensor, b: Tensor): Tensor { return this.binary('Min', a, b); }
  neg(x: Tensor): Tensor { return this.unary('Neg', x); }
  exp(x: Tensor): Tensor { return this.unary('Exp', x); }
  log(x: Tensor): Tensor { return this.unary('Log', x); }
  sqrt(x: Tensor): Tensor { return this.unary('Sqrt', x); }
  reciprocal(x: Tensor): Tensor { return this.unary('Reciprocal', x); }
  tanh(x: Tensor): Tensor { return this.unary('Tanh', x); }
  erf(x: Tensor): Tensor { return this.unary('Erf', x); }
  sigmoid(x: Tensor): Tensor { return this.unary('Sigmoid', x); }
  silu(x: Tensor): Tensor { return this.unary('Silu', x); }
  equal(a: Tensor, b: Tensor): Tensor { return this.compare('Equal', a, b); }
  less(a: Tensor, b: Tensor): Tensor { return this.compare('Less', a, b); }
  greater(a: Tensor, b: Tensor): Tensor { return this.compare('Greater', a, b); }
  lessOrEqual(a: Tensor, b: Tensor): Tensor { return this.compare('LessOrEqual', a, b); }
  greaterOrEqual(a: Tensor, b: Tensor): Tensor { return this.compare('GreaterOrEqual', a, b); }

  not(x: Tensor): Tensor {
    this.expectDType('Not', x, ['bool']);
    return this.emit('Not', [x], {}, [x.shape], ['bool']);
  }

  and(a: Tensor, b: Tensor): Tensor {
    this.expectDType('And', a, ['bool']);
    this.expectDType('And', b, ['bool']);
    return this.emit('And', [a, b], {}, [this.broadcast('And', a, b)], ['bool']);
  }

  /** a shifted by b bits, elementwise with broadcasting, in uint8 (bits shifted past the edge are lost). */
  bitShift(a: Tensor, b: Tensor, direction: 'left' | 'right'): Tensor {
    this.expectDType('BitShift', a, ['uint8']);
    this.sameDType('BitShift', a, b);
    return this.emit('BitShift', [a, b], { direction }, [this.broadcast('BitShift', a, b)], ['uint8']);
  }

  where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
    this.expectDType('Where', cond, ['bool']);
    this.sameDType('Where', a, b);
    const ab = this.broadcast('Where', a, b);
    const shape = broadcastShapes(cond.shape, ab);
    if (!shape) throw new GraphError(`Where: condition ${formatShape(cond.shape)} does not broadcast with ${formatShape(ab)}`);
    return this.emit('Where', [cond, a, b], {}, [shape], [a.dtype]);
  }

  /** Batched matrix product over the last two axes; leading axes broadcast. Both inputs need rank >= 2. */
  matMul(a: Tensor, b: Tensor): Tensor {
    this.sameDType('MatMul', a, b);
    if (a.rank < 2 || b.rank < 2) {
      throw new GraphError(`MatMul: inputs need rank >= 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    }
    const [m, k] = a.shape.slice(-2) as [number, number];
    const [k2, n] = b.shape.slice(-2) as [number, number];
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (k !== k2 || !batch) {
      throw new GraphError(`MatMul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not multiply`);
    }
    return this.emit('MatMul', [a, b], {}, [[...batch, m, n]], [a.dtype]);
  }

  /** Reshape; one -1 is inferred, 0 is not special. */
  reshape(x: Tensor, shape: Shape): Tensor {
    const out = [...shape];
    const free = out.filter((d) => d === -1).length;
    const knownSize = sizeOf(out.filter((d) => d !== -1));
    const bad = () => new GraphError(`Reshape: cannot reshape ${formatShape(x.shape)} to ${formatShape(shape)}`);
    if (free > 1 || out.some((d) => !Number.isInteger(d) || d < -1)) throw bad();
    if (free === 1) {
      const inferred = knownSize === 0 ? NaN : sizeOf(x.shape) / knownSize;
      if (!Number.isInteger(inferred)) throw bad();
      out[out.indexOf(-1)] = inferred;
    }
    if (sizeOf(out) !== sizeOf(x.shape)) throw bad();
    if (sameShape(out, x.shape)) return x;
    return this.emit('Reshape', [x], { shape: out }, [out], [x.dtype]);
  }

  transpose(x: Tensor, perm: number[]): Tensor {
    const sorted = [...perm].sort((p, q) => p - q);
    if (perm.length !== x.rank || sorted.some((p, i) => p !== i)) {
      throw new GraphError(`Transpose: perm [${perm}] does not fit ${formatShape(x.shape)}`);
    }
    if (perm.every((p, i) => p === i)) return x;
    return this.emit('Transpose', [x], { perm: [...perm] }, [perm.map((p) => x.shape[p]!)], [x.dtype]);
  }

  /** Swaps the last two axes. */
  transposeLast(x: Tensor): Tensor {
    const perm = x.shape.map((_, i) => i);
    perm[x.rank - 1] = x.rank - 2;
    perm[x.rank - 2] = x.rank - 1;
    return this.transpose(x, perm);
  }

  /** Step-1 slice; negative starts/ends count from the end and are clamped like numpy. */
  slice(x: Tensor, starts: number[], ends: number[], axes?: number[]): Tensor {
    const ax = (axes ?? starts.map((_, i) => i)).map((a) => this.axis('Slice', a, x));
    if (starts.length !== ax.length || ends.length !== ax.length) {
      throw new GraphError('Slice: starts, ends and axes differ in length');
    }
    const out = [...x.shape];
    const s: number[] = [];
    const e: number[] = [];
    ax.forEach((a, i) => {
      const dim = x.shape[a]!;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + dim : v, 0), dim);
      s.push(clamp(starts[i]!));
      e.push(Math.max(clamp(ends[i]!), s[i]!));
      out[a] = e[i]! - s[i]!;
    });
    return this.emit('Slice', [x], { starts: s, ends: e, axes: ax }, [out], [x.dtype]);
  }

  /** Zero padding: pads = [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}], all >= 0. */
  pad(x: Tensor, pads: number[]): Tensor {
    if (pads.length !== 2 * x.rank || pads.some((p) => !Number.isInteger(p) || p < 0)) {
      throw new GraphError(`Pad: pads [${pads}] do not fit ${formatShape(x.shape)}`);
    }
    const out = x.shape.map((d, i) => d + pads[i]! + pads[i + x.rank]!);
    return this.emit('Pad', [x], { pads: [...pads] }, [out], [x.dtype]);
  }

  concat(xs: Tensor[], axis: number): Tensor {
    if (xs.length === 0) throw new GraphError('Concat: no inputs');
    const first = xs[0]!;
    const a = this.axis('Concat', axis, first);
    let total = 0;
    for (const x of xs) {
      this.sameDType('Concat', first, x);
      if (x.rank !== first.rank || x.shape.some((d, i) => i !== a && d !== first.shape[i])) {
        throw new GraphError(`Concat: shapes ${xs.map((t) => formatShape(t.shape)).join(', ')} differ off axis ${a}`);
      }
      total += x.shape[a]!;
    }
    if (xs.length === 1) return first;
    const out = [...first.shape];
    out[a] = total;
    return this.emit('Concat', xs, { axis: a }, [out], [first.dtype]);
  }

  split(x: Tensor, axis: number, sizes: number[]): Tensor[] {
    const a = this.axis('Split', axis, x);
    if (sizes.reduce((s, v) => s + v, 0) !== x.shape[a] || sizes.some((v) => v < 0)) {
      throw new GraphError(`Split: sizes [${sizes}] do not add up to axis ${a} of ${formatShape(x.shape)}`);
    }
    const shapes = sizes.map((n) => x.shape.map((d, i) => (i === a ? n : d)));
    return this.addMulti('Split', [x], { axis: a, sizes: [...sizes] }, shapes, sizes.map(() => x.dtype));
  }

  unsqueeze(x: Tensor, axes: number[]): Tensor {
    const rank = x.rank + axes.length;
    const norm = axes.map((a) => normalizeAxis(a, rank));
    if (norm.some((a) => a === null) || new Set(norm).size !== norm.length) {
      throw new GraphError(`Unsqueeze: axes [${axes}] do not fit ${formatShape(x.shape)}`);
    }
    const out: number[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x.shape[j++]!);
    return this.emit('Unsqueeze', [x], { axes: norm as number[] }, [out], [x.dtype]);
  }

  squeeze(x: Tensor, axes: number[]): Tensor {
    const norm = axes.map((a) => this.axis('Squeeze', a, x));
    for (const a of norm) {
      if (x.shape[a] !== 1) throw new GraphError(`Squeeze: axis ${a} of ${formatShape(x.shape)} is not 1`);
    }
    const out = x.shape.filter((_, i) => !norm.includes(i));
    return this.emit('Squeeze', [x], { axes: norm }, [out], [x.dtype]);
  }

  /** Broadcasts x to a shape (numpy rules). */
  expand(x: Tensor, shape: Shape): Tensor {
    const out = broadcastShapes(x.shape, shape);
    if (!out || !sameShape(out, shape)) {
      throw new GraphError(`Expand: ${formatShape(x.shape)} does not broadcast to ${formatShape(shape)}`);
    }
    if (sameShape(x.shape, shape)) return x;
    return this.emit('Expand', [x], { shape: [...shape] }, [out], [x.dtype]);
  }

  /** Takes entries of `data` along `axis` at integer `indices` (negative indices count from the end). */
  gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
    this.expectDType('Gather', indices, ['int64', 'int32']);
    const a = this.axis('Gather', axis, data);
    const out = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
    return this.emit('Gather', [data, indices], { axis: a }, [out], [data.dtype]);
  }

  /** ONNX GatherND (batch_dims 0): indices (..., k) pick slices of data's first k axes. */
  gatherND(data: Tensor, indices: Tensor): Tensor {
    this.expectDType('GatherND', indices, ['int64']);
    const k = indices.shape[indices.rank - 1];
    if (indices.rank < 1 || k === undefined || k > data.rank) {
      throw new GraphError(`GatherND: indices ${formatShape(indices.shape)} do not fit data ${formatShape(data.shape)}`);
    }
    const out = [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
    return this.emit('GatherND', [data, indices], {}, [out], [data.dtype]);
  }

  /** Returns data with `updates` added at the slices that `indices` name (repeated indices accumulate). */
  scatterNDAdd(data: Tensor, indices: Tensor, updates: Tensor): Tensor {
    this.expectDType('ScatterNDAdd', indices, ['int64']);
    this.sameDType('ScatterNDAdd', data, updates);
    const k = indices.shape[indices.rank - 1];
    const expected = k === undefined ? null : [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
    if (!expected || k! > data.rank || !sameShape(expected, updates.shape)) {
      throw new GraphError(
        `ScatterNDAdd: data ${formatShape(data.shape)}, indices ${formatShape(indices.shape)}, ` +
          `updates ${formatShape(updates.shape)} do not fit`,
      );
    }
    return this.emit('ScatterNDAdd', [data, indices, updates], {}, [data.shape], [data.dtype]);
  }

  cast(x: Tensor, to: DType): Tensor {
    if (x.dtype === to) return x;
    return this.emit('Cast', [x], { to }, [x.shape], [to]);
  }

  reduceSum(x: Tensor, axes: number[], keepDims = false): Tensor { return this.reduce('ReduceSum', x, axes, keepDims); }
  reduceMean(x: Tensor, axes: number[], keepDims = false): Tensor { return this.reduce('ReduceMean', x, axes, keepDims); }
  reduceMax(x: Tensor, axes: number[], keepDims = false): Tensor { return this.reduce('ReduceMax', x, axes, keepDims); }

  /** Keeps the upper (or lower) triangle of the last two axes, diagonal offset k; the rest becomes 0. */
  trilu(x: Tensor, upper: boolean, k = 0): Tensor {
    if (x.rank < 2) throw new GraphError(`Trilu: needs rank >= 2, got ${formatShape(x.shape)}`);
    return this.emit('Trilu', [x], { upper, k }, [x.shape], [x.dtype]);
  }

  /**
   * RMSNorm over the last axis with a (H) weight, as one op: x / sqrt(mean(x²) + eps) * weight.
   * Built from primitives it made six passes over x and kept three of its intermediates for the
   * backward pass; the fused form keeps x and one float32 value per row.
   */
  rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
    this.expectFloat('RmsNorm', x);
    const h = x.shape.at(-1);
    if (x.rank < 1 || weight.rank !== 1 || weight.shape[0] !== h || weight.dtype !== x.dtype) {
      throw new GraphError(`RmsNorm: needs x (..., H) and a weight (H) of its dtype, got ${x.dtype}${formatShape(x.shape)} and ${weight.dtype}${formatShape(weight.shape)}`);
    }
    const rows = [...x.shape.slice(0, -1), 1];
    return this.addMulti('RmsNorm', [x, weight], { eps }, [x.shape, rows], [x.dtype, 'float32'])[0]!;
  }

  /**
   * Rotary position embedding (rotate_half) of x (B, N, T, D) by (B*T, R/2) cos and sin tables,
   * R <= D even: x[..., :R] * cos + rotate_half(x[..., :R]) * sin, the rest of x as it is.
   */
  rotary(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
    this.expectFloat('Rotary', x);
    const [b, , t, d] = x.shape as [number, number, number, number];
    const half = cos.shape[1]!;
    const tables = [cos, sin].every((c) => c.rank === 2 && c.dtype === x.dtype && c.shape[0] === b * t && c.shape[1] === half);
    if (x.rank !== 4 || !tables || !(half > 0 && 2 * half <= d)) {
      throw new GraphError(`Rotary: needs x (B, N, T, D) and cos and sin (B*T, R/2) of its dtype with R <= D, got ${x}, ${cos} and ${sin}`);
    }
    return this.emit('Rotary', [x, cos, sin], {}, [x.shape], [x.dtype]);
  }

  /** Softmax along an axis, as one op (see composite.ts for why it is fused). */
  softmax(x: Tensor, axis = -1): Tensor {
    this.expectFloat('Softmax', x);
    return this.emit('Softmax', [x], { axis: this.axis('Softmax', axis, x) }, [x.shape], [x.dtype]);
  }

  /**
   * Summed cross-entropy of logits (N, V) against int64 targets (N), skipping targets equal to
   * `ignoreIndex`; also returns the (N, V) log-probabilities (the backward pass reuses them).
   */
  softmaxCrossEntropy(logits: Tensor, targets: Tensor, ignoreIndex = -100): [sum: Tensor, logProbs: Tensor] {
    this.expectFloat('SoftmaxCrossEntropy', logits);
    this.expectDType('SoftmaxCrossEntropy', targets, ['int64']);
    if (logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
      throw new GraphError(`SoftmaxCrossEntropy: needs logits (N, V) and targets (N), got ${formatShape(logits.shape)} and ${formatShape(targets.shape)}`);
    }
    const [sum, logProbs] = this.addMulti('SoftmaxCrossEntropy', [logits, targets], { ignoreIndex }, [[], logits.shape], [logits.dtype, logits.dtype]);
    return [sum!, logProbs!];
  }

  /** x (..., k) times Wᵀ for an (n, k) NF4 weight given as packed codes and per-block float32 absmax (see ops.ts). */
  nf4MatMul(x: Tensor, packed: Tensor, absmax: Tensor, n: number, k: number, blocksize: number): Tensor {
    this.expectDType('Nf4MatMul', x, ['float32']);
    this.expectDType('Nf4MatMul', packed, ['uint8']);
    this.expectDType('Nf4MatMul', absmax, ['float32']);
    if (![16, 32, 64, 128, 256].includes(blocksize)) throw new GraphError(`Nf4MatMul: blocksize ${blocksize} is not one of 16, 32, 64, 128, 256`);
    const bytes = Math.ceil((n * k) / 2);
    const blocks = Math.ceil((n * k) / blocksize);
    if (x.rank < 2 || x.shape.at(-1) !== k || packed.rank !== 1 || packed.shape[0] !== bytes || absmax.rank !== 1 || absmax.shape[0] !== blocks) {
      throw new GraphError(
        `Nf4MatMul: a (${n}, ${k}) weight in blocks of ${blocksize} needs x (..., ${k}), codes [${bytes}] and absmax [${blocks}]; ` +
          `got ${formatShape(x.shape)}, ${formatShape(packed.shape)} and ${formatShape(absmax.shape)}`,
      );
    }
    return this.emit('Nf4MatMul', [x, packed, absmax], { n, k, blocksize }, [[...x.shape.slice(0, -1), n]], ['float32']);
  }

  /** a · bᵀ (`transposeB`, b (n, k)) or a · b (b (k, n)) with b float16, cast a block of `blockRows` rows at a time. */
  halfMatMul(a: Tensor, b: Tensor, transposeB: boolean, blockRows: number): Tensor {
    this.expectDType('HalfMatMul', a, ['float32']);
    this.expectDType('HalfMatMul', b, ['float16']);
    const [rows, cols] = b.shape as [number, number];
    const [k, n] = transposeB ? [cols, rows] : [rows, cols];
    if (a.rank < 2 || b.rank !== 2 || a.shape.at(-1) !== k || !(Number.isInteger(blockRows) && blockRows > 0)) {
      throw new GraphError(`HalfMatMul: needs a (..., k), b ${transposeB ? '(n, k)' : '(k, n)'} and a positive block size, got ${formatShape(a.shape)}, ${formatShape(b.shape)}, ${blockRows}`);
    }
    return this.emit('HalfMatMul', [a, b], { transposeB, blockRows }, [[...a.shape.slice(0, -1), n!]], ['float32']);
  }

  /**
   * a (..., k) times an int8 b (k, n), or b (n, k) transposed, times optional column scales (n);
   * a is quantized per row on the fly. With `exact`, the float weight (n, k) the codes and scales
   * stand for, a's gradient is computed with that weight (see ops.ts).
   */
  int8MatMul(a: Tensor, b: Tensor, transposeB = false, scales?: Tensor, exact?: { weight: Tensor; blockRows: number }): Tensor {
    this.expectDType('Int8MatMul', a, ['float32']);
    this.expectDType('Int8MatMul', b, ['int8']);
    const [k, n] = transposeB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
    if (a.rank < 2 || b.rank !== 2 || a.shape.at(-1) !== k || (scales && (scales.dtype !== 'float32' || scales.rank !== 1 || scales.shape[0] !== n))) {
      throw new GraphError(
        `Int8MatMul: needs a (..., k), b ${transposeB ? '(n, k)' : '(k, n)'} and optional float32 scales (n), ` +
          `got ${formatShape(a.shape)}, ${formatShape(b.shape)}${scales ? ` and ${scales}` : ''}`,
      );
    }
    if (!exact) return this.emit('Int8MatMul', scales ? [a, b, scales] : [a, b], { transposeB }, [[...a.shape.slice(0, -1), n!]], ['float32']);
    const w = exact.weight;
    if (!scales || w.rank !== 2 || w.shape[0] !== n || w.shape[1] !== k || (w.dtype !== 'float32' && w.dtype !== 'float16') || !(Number.isInteger(exact.blockRows) && exact.blockRows > 0)) {
      throw new GraphError(`Int8MatMul: the exact weight of a (${n}, ${k}) product must be a float32 or float16 (${n}, ${k}) matrix next to the column scales, got ${w} and a block of ${exact.blockRows} rows`);
    }
    return this.emit('Int8MatMul', [a, b, scales, w], { transposeB, blockRows: exact.blockRows }, [[...a.shape.slice(0, -1), n!]], ['float32']);
  }

  /** Adds a node with one output (used by the builder and by gradient rules). */
  emit<O extends Op>(op: O, inputs: Tensor[], attrs: OpAttrs[O], shapes: Shape[], dtypes: DType[]): Tensor {
    return this.addMulti(op, inputs, attrs, shapes, dtypes)[0]!;
  }

  private addMulti<O extends Op>(op: O, inputs: Tensor[], attrs: OpAttrs[O], shapes: Shape[], dtypes: DType[]): Tensor[] {
    for (const t of inputs) this.own(op, t);
    const node: Node<O> = { id: this.nodes.length, op, inputs, attrs, outputs: [] };
    shapes.forEach((shape, i) => {
      node.outputs.push(new Tensor(this.id, this.nextTensorId++, [...shape], dtypes[i]!, node as Node, i));
    });
    this.nodes.push(node as Node);
    return node.outputs;
  }

  private unary(op: UnaryOp, x: Tensor): Tensor {
    this.expectFloat(op, x);
    return this.emit(op, [x], {}, [x.shape], [x.dtype]);
  }

  private binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
    this.sameDType(op, a, b);
    if (op === 'Pow') this.expectFloat(op, a);
    return this.emit(op, [a, b], {}, [this.broadcast(op, a, b)], [a.dtype]);
  }

  private compare(op: CompareOp, a: Tensor, b: Tensor): Tensor {
    this.sameDType(op, a, b);
    return this.emit(op, [a, b], {}, [this.broadcast(op, a, b)], ['bool']);
  }

  private reduce(op: 'ReduceSum' | 'ReduceMean' | 'ReduceMax', x: Tensor, axes: number[], keepDims: boolean): Tensor {
    const norm = [...new Set(axes.map((a) => this.axis(op, a, x)))].sort((p, q) => p - q);
    if (norm.length === 0) return x;
    const out = keepDims ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !norm.includes(i));
    return this.emit(op, [x], { axes: norm, keepDims }, [out], [x.dtype]);
  }

  private broadcast(op: string, a: Tensor, b: Tensor): number[] {
    const shape = broadcastShapes(a.shape, b.shape);
    if (!shape) throw new GraphError(`${op}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast`);
    return shape;
  }

  private axis(op: string, axis: number, x: Tensor): number {
    const a = normalizeAxis(axis, x.rank);
    if (a === null) throw new GraphError(`${op}: axis ${axis} is out of range for ${formatShape(x.shape)}`);
    return a;
  }

  private own(op: string, t: Tensor): void {
    if (!(t instanceof Tensor)) throw new GraphError(`${op}: expected a Tensor, got ${String(t)}`);
    if (t.graphId !== this.id) throw new GraphError(`${op}: ${t} belongs to another graph`);
  }

  private sameDType(op: string, a: Tensor, b: Tensor): void {
    if (a.dtype !== b.dtype) throw new GraphError(`${op}: dtypes differ (${a.dtype} and ${b.dtype})`);
  }

  private expectFloat(op: string, x: Tensor): void {
    if (!isFloat(x.dtype)) throw new GraphError(`${op}: needs a float tensor, got ${x}`);
  }

  private expectDType(op: string, x: Tensor, dtypes: DType[]): void {
    if (!dtypes.includes(x.dtype)) throw new GraphError(`${op}: needs ${dtypes.join(' or ')}, got ${x}`);
  }
}
