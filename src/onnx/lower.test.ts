import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { Graph } from '../graph/graph.js';
import { lowerToOnnx } from './lower.js';

const { onnx } = onnxProto as unknown as { onnx: { ModelProto: { decode(b: Uint8Array): { graph: { node: { opType: string; input: string[] }[]; initializer: { name: string }[] } } } } };

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
});
