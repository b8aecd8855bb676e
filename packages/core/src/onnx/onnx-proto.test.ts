import * as ort from 'onnxruntime-node';
import { encodeOnnxModel, ONNX_INT64 } from './onnx-proto.js';

describe('onnx-proto encoder', () => {
  it('builds a model with an initializer, attributes and a fixed dim that ORT runs', async () => {
    // C = 2·(X·Wᵀ) + 0.5·bias exercises TensorProto, FLOAT/INT attributes and mixed fixed/symbolic dims.
    const bytes = encodeOnnxModel({
      nodes: [
        {
          opType: 'Gemm',
          inputs: ['X', 'W', 'bias'],
          outputs: ['Y'],
          name: 'g',
          attributes: [
            { name: 'transB', value: 1 },
            { name: 'alpha', value: 2, float: true },
            { name: 'beta', value: 0.5 },
          ],
        },
      ],
      inputs: [{ name: 'X', dims: ['rows', 3] }],
      outputs: [{ name: 'Y', dims: ['rows', 2] }],
      initializers: [
        { name: 'W', dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
        { name: 'bias', dims: [2], data: new Float32Array([10, -10]) },
      ],
    });
    const session = await ort.InferenceSession.create(bytes);
    const y = await session.run({ X: new ort.Tensor('float32', new Float32Array([1, 0, -1, 2, 2, 2]), [2, 3]) });
    expect(Array.from(y.Y!.data as Float32Array)).toEqual([2 * (1 - 3) + 5, 2 * (4 - 6) - 5, 2 * 12 + 5, 2 * 30 - 5]);
    await session.release();
  });

  it('encodes int64 inputs and initializers, negative attributes and large raw payloads', async () => {
    // Gather rows of a 300×100 table (120 kB, above the chunking threshold) by int64 ids, then reshape
    // by an int64 constant containing -1 (a negative varint).
    const table = new Float32Array(300 * 100).map((_, i) => i * 0.5);
    const session = await ort.InferenceSession.create(
      encodeOnnxModel({
        nodes: [
          { opType: 'Gather', inputs: ['table', 'ids'], outputs: ['rows'], attributes: [{ name: 'axis', value: 0 }] },
          { opType: 'Reshape', inputs: ['rows', 'shape'], outputs: ['Y'] },
        ],
        inputs: [{ name: 'ids', dims: ['n'], elemType: ONNX_INT64 }],
        outputs: [{ name: 'Y', dims: ['m'] }],
        initializers: [
          { name: 'table', dims: [300, 100], data: table },
          { name: 'shape', dims: [1], data: BigInt64Array.from([-1n]) },
        ],
      }),
    );
    const y = (await session.run({ ids: new ort.Tensor('int64', BigInt64Array.from([299n, 0n]), [2]) })).Y!;
    expect(y.dims).toEqual([200]);
    const data = y.data as Float32Array;
    expect(data[0]).toBe(299 * 100 * 0.5);
    expect(data[99]).toBe((299 * 100 + 99) * 0.5);
    expect(data[100]).toBe(0);
    await session.release();
  });
});
