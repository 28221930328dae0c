export * from './dtype.js';
export * from './shape.js';
export * from './ops.js';
export { Tensor, type Node } from './tensor.js';
export { Graph, GraphError } from './graph.js';
export * from './composite.js';
