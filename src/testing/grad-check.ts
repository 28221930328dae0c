// Compares the engine's gradients with central finite differences of the same graph.
import { gradients } from '../autodiff/grad.js';
import { allocate, type FloatDType } from '../graph/dtype.js';
import { Graph } from '../graph/graph.js';
import { formatShape, sizeOf, type Shape } from '../graph/shape.js';
import type { Tensor } from '../graph/tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import { mulberry32, uniform } from './random.js';

export interface GradCheckCase {
  /** Shapes of the differentiable inputs. */
  shapes: Shape[];
  dtype: FloatDType;
  /** Builds the output from the inputs; constants and index tensors are made inside. */
  build: (g: Graph, xs: Tensor[]) => Tensor;
  seed: number;
  /** Input values are drawn uniformly from this range. */
  domain?: [number, number];
  step?: number;
  /** Allowed |analytic - numeric| / max(1, |numeric|). */
  tolerance?: number;
  /**
   * The graph whose finite differences the analytic gradient is compared with (default: build's).
   * An op that rounds its input (Int8MatMul) is checked against the exact product it approximates.
   */
  reference?: (g: Graph, xs: Tensor[]) => Tensor;
  /**
   * Errors relative to each element (default) or to the input's largest gradient: rounding errors
   * scale with the largest terms of a sum, not with what is left after they cancel.
   */
  relativeTo?: 'element' | 'largest';
}

export interface GradCheckResult {
  maxError: number;
  worst: string;
  analytic: number[][];
  numeric: number[][];
}

/**
 * Differentiates sum(build(xs) * w) for a fixed random w, analytically with the engine and
 * numerically with central differences, and reports the largest error.
 */
export async function checkGradients(rt: Runtime, c: GradCheckCase): Promise<GradCheckResult> {
  const rand = mulberry32(c.seed);
  const [lo, hi] = c.domain ?? [-1, 1];
  const values = c.shapes.map((s) => uniform(rand, sizeOf(s), lo, hi));
  let weights: Float32Array | Float64Array | null = null;
  const lossGraph = (build: GradCheckCase['build']) => {
    const g = new Graph();
    const xs = c.shapes.map((s, i) => g.input(`x${i}`, s, c.dtype));
    const y = build(g, xs);
    if (!weights) {
      weights = allocate(c.dtype, sizeOf(y.shape));
      weights.set(uniform(rand, weights.length, 0.5, 1.5));
    }
    return { g, xs, loss: g.reduceSum(g.mul(y, g.constant(weights, y.shape, c.dtype)), y.shape.map((_, i) => i)) };
  };
  const { g, xs, loss } = lossGraph(c.build);
  const grads = gradients(g, loss, xs);
  const outputs: Record<string, Tensor> = { loss };
  grads.forEach((t, i) => (outputs[`grad${i}`] = t));
  const exe = await rt.compile(g, outputs);
  const ref = c.reference ? lossGraph(c.reference) : null;
  const refExe = ref ? await rt.compile(ref.g, { loss: ref.loss }) : exe;

  const feed = (vals: number[][]) => {
    const f: Record<string, Float32Array | Float64Array> = {};
    vals.forEach((v, i) => {
      const arr = allocate(c.dtype, v.length);
      arr.set(v);
      f[`x${i}`] = arr;
    });
    return f;
  };
  const lossAt = async (vals: number[][]) => Number((await refExe.run(feed(vals), { fetch: ['loss'] })).loss!.data[0]);

  const base = await exe.run(feed(values));
  const analytic = grads.map((_, i) => Array.from(base[`grad${i}`]!.data as Float64Array));
  const step = c.step ?? (c.dtype === 'float64' ? 1e-6 : 1e-2);
  const tol = c.tolerance ?? (c.dtype === 'float64' ? 1e-6 : 2e-2);
  const numeric: number[][] = [];
  let maxError = 0;
  let worst = '';
  for (let i = 0; i < values.length; i++) {
    const row: number[] = [];
    for (let j = 0; j < values[i]!.length; j++) {
      const plus = values.map((v) => [...v]);
      const minus = values.map((v) => [...v]);
      plus[i]![j]! += step;
      minus[i]![j]! -= step;
      row.push(((await lossAt(plus)) - (await lossAt(minus))) / (2 * step));
    }
    const largest = row.reduce((m, n) => Math.max(m, Math.abs(n)), 0);
    row.forEach((n, j) => {
      const err = Math.abs(analytic[i]![j]! - n) / Math.max(1, c.relativeTo === 'largest' ? largest : Math.abs(n));
      if (err > maxError) {
        maxError = err;
        worst = `input ${i} ${formatShape(c.shapes[i]!)} element ${j}: analytic ${analytic[i]![j]}, numeric ${n}`;
      }
    });
    numeric.push(row);
  }
  if (maxError > tol) {
    throw new Error(`gradient check failed (seed ${c.seed}, tolerance ${tol}): error ${maxError.toExponential(3)} at ${worst}`);
  }
  return { maxError, worst, analytic, numeric };
}
