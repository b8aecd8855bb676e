import { OnnxGraphBuilder } from './graph-builder.js';
import { encodeOnnxModel } from './onnx-proto.js';

describe('OnnxGraphBuilder', () => {
  it('names every value uniquely and records constants with their types and shapes', () => {
    const g = new OnnxGraphBuilder();
    const shape = g.ints([2, -1]);
    const scale = g.float(0.5);
    const one = g.intScalar(1);
    const reshaped = g.op('Reshape', ['x', shape]);
    const scaled = g.op('Mul', [reshaped, scale], [], 'y');
    const [a, b] = g.ops('Split', [scaled], 2, [{ name: 'axis', value: 1 }]) as [string, string];
    const names = [shape, scale, one, reshaped, a, b];
    expect(new Set(names).size).toBe(names.length);
    expect(scaled).toBe('y');
    expect(g.nodes.map((n) => n.opType)).toEqual(['Reshape', 'Mul', 'Split']);
    expect(g.nodes[2]!.outputs).toEqual([a, b]);
    expect(g.initializers.map((i) => [i.dims, i.data.constructor.name])).toEqual([
      [[2], 'BigInt64Array'],
      [[], 'Float32Array'],
      [[], 'BigInt64Array'],
    ]);
    const model = encodeOnnxModel({
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: 'x', dims: [4] }],
      outputs: [{ name: 'y', dims: [2, 2] }],
      graphName: 'test',
      producer: 'test',
      opset: 17,
    });
    expect(model.length).toBeGreaterThan(0);
  });

  it('starts every generated name with its prefix', () => {
    const g = new OnnxGraphBuilder('b_');
    expect([g.op('Neg', ['x']), g.ints([1]), g.intScalar(2), g.float(3), ...g.ops('Split', ['x'], 2)].every((n) => n.startsWith('b_'))).toBe(true);
  });
});
