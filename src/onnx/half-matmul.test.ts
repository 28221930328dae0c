import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Graph } from '../graph/graph.js';
import { float32ToHalf, halfToFloat32 } from '../io/half-float.js';
import { Runtime } from '../runtime/runtime.js';
import { mulberry32, uniform } from '../testing/random.js';

const [N, K, M] = [11, 6, 4];

describe('HalfMatMul: a float16 matrix cast a block of rows at a time', () => {
  const rt = new Runtime();
  after(() => rt.close());
  const bits = float32ToHalf(Float32Array.from(uniform(mulberry32(1), N * K, -1, 1)));
  const w = halfToFloat32(bits);
  const x = Float32Array.from(uniform(mulberry32(2), M * K, -2, 2));
  const gy = Float32Array.from(uniform(mulberry32(3), M * N, -2, 2));

  for (const blockRows of [1, 3, 11, 100]) {
    it(`equals the float32 products with blocks of ${blockRows} rows, both ways`, async () => {
      const g = new Graph();
      const b = g.input('w', [N, K], 'float16');
      const y = g.halfMatMul(g.input('x', [2, M / 2, K]), b, true, blockRows);
      const dx = g.halfMatMul(g.input('gy', [M, N]), b, false, blockRows);
      assert.deepEqual(y.shape, [2, M / 2, N]);
      assert.deepEqual(dx.shape, [M, K]);
      const out = await (await rt.compile(g, { y, dx })).run({ x, gy, w: { data: bits, shape: [N, K], dtype: 'float16' } });
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let want = 0;
          for (let k = 0; k < K; k++) want += x[m * K + k]! * w[n * K + k]!;
          assert.ok(Math.abs((out.y!.data as Float32Array)[m * N + n]! - want) < 1e-5, `y[${m}, ${n}]`);
        }
        for (let k = 0; k < K; k++) {
          let want = 0;
          for (let n = 0; n < N; n++) want += gy[m * N + n]! * w[n * K + k]!;
          assert.ok(Math.abs((out.dx!.data as Float32Array)[m * K + k]! - want) < 1e-5, `dx[${m}, ${k}]`);
        }
      }
    });
  }
});
