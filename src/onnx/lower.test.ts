import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { Graph } from '../graph/graph.js';
import { Runtime } from '../runtime/runtime.js';
import { lowerToOnnx } from './lower.js';

const { onnx } = onnxProto as unknown as { onnx: { ModelProto: { decode(b: Uint8Array): { graph: { node: { opType: string; input: string[]; output: string[] }[]; initializer: { name: string }[]; output: { name: string }[] } } } } };

describe('lowering', () => {
  it('gives equal emitted constants one initializer, so equal node chains can merge', () => {
    const g = new Graph();
    const x = g.input('x', [2, 6]);
    const a = g.reshape(x, [3, 4]);
    const b = g.reshape(g.exp(x), [3, 4]);
    const c = g.reshape(x, [4, 3]);
    const { graph } = onnx.ModelProto.decode(lowerToOnnx(g, { a, b, c }).bytes);
    const shapes = graph.node.filter((n) => n.opType === 'Reshape').map((n) => n.input[1]);
    assert.equal(shapes.length, 3);
    assert.equal(shapes[0], shapes[1], 'both (3, 4) reshapes read one shape');
    assert.notEqual(shapes[0], shapes[2]);
    assert.equal(graph.initializer.length, 2);
  });

  it('names a computed output after itself: no Identity, except for a second name, an input or a constant', async () => {
    const g = new Graph();
    const x = g.input('x', [2, 3]);
    const y = g.exp(x);
    const z = g.add(y, g.scalar(1, 'float32'));
    const c = g.scalar(2, 'float32');
    const lowered = lowerToOnnx(g, { y, z, again: z, x_out: x, c });
    const { graph } = onnx.ModelProto.decode(lowered.bytes);
    assert.deepEqual(graph.output.map((o) => o.name), ['y', 'z', 'again', 'x_out', 'c']);
    assert.deepEqual(graph.node.find((n) => n.opType === 'Exp')!.output, ['y']);
    assert.deepEqual(graph.node.find((n) => n.opType === 'Add')!.output, ['z']);
    assert.deepEqual(graph.node.filter((n) => n.opType === 'Identity').map((n) => [n.input[0], n.output[0]]).slice(0, 2), [['z', 'again'], ['x', 'x_out']]);
    assert.equal(graph.node.filter((n) => n.opType === 'Identity').length, 3, 'again, x_out and the constant c');
    const rt = new Runtime();
    try {
      const exe = await rt.compile(g, { y, z, again: z, x_out: x, c });
      const data = Float32Array.from([0, 1, 2, -1, -2, 0.5]);
      const out = await exe.run({ x: data });
      assert.deepEqual([...out.z!.data as Float32Array], [...out.again!.data as Float32Array]);
      assert.deepEqual([...out.x_out!.data as Float32Array], [...data]);
      assert.ok(Math.abs((out.y!.data as Float32Array)[1]! - Math.E) < 1e-6);
      assert.equal((out.c!.data as Float32Array)[0], 2);
    } finally {
      await rt.close();
    }
  });
});
