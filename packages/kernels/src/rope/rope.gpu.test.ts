import { ropeFrequencies } from '@rlvr/core';
import { describeGpu } from '../device/describe-gpu.js';
import { TensorShapeError } from '../device/errors.js';
import { GpuTensor } from '../gpu/tensor.js';
import { wgslStructFields } from '../gpu/uniforms.js';
import { ROPE_CASES, ropeCaseInputs, type RopeCase } from './rope.cases.js';
import { ropeBackward, ropeForward } from './rope.reference.js';
import { ROPE_PARAMS, ROPE_WGSL, rope, ropeTableTensor } from './rope.gpu.js';
import { ropeTolerance } from './rope.tolerance.js';

function expectWithin(actual: Float32Array, expected: Float64Array, tol: Float64Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const ratio = Math.abs(actual[i]! - expected[i]!) / tol[i]!;
    if (!(ratio <= worst)) {
      worst = ratio;
      index = i;
    }
  }
  if (!(worst <= 1)) throw new Error(`${what}: element ${index} is ${actual[index]}, expected ${expected[index]} ± ${tol[index]} (${worst.toFixed(1)}× the tolerance)`);
}

await describeGpu('RoPE on WebGPU vs the CPU reference', (gpu) => {
  it('the uniform layout matches the WGSL struct', () => {
    expect(wgslStructFields(ROPE_WGSL, 'Params')).toEqual([...ROPE_PARAMS]);
  });

  it.each(ROPE_CASES.map((c) => [c.name, c] as [string, RopeCase]))('forward and backward: %s', async (_name, c) => {
    const { x, dy } = ropeCaseInputs(c);
    const { tokens, heads } = c.dims;
    const headDim = c.dims.rope.headDim;
    const gain = ropeFrequencies(c.dims.rope).attentionScaling;
    const shape = [tokens, heads, headDim];
    const table = ropeTableTensor(gpu, c.positions, c.dims.rope);
    const tx = GpuTensor.fromArray(gpu, x, shape, 'x');
    const tdy = GpuTensor.fromArray(gpu, dy, shape, 'dy');
    const out = await rope(gpu, tx, table);
    const dx = await rope(gpu, tdy, table, { backward: true });
    try {
      expectWithin(await out.read(), ropeForward(Float64Array.from(x), c.positions, c.dims), ropeTolerance(x, headDim, gain), 'forward');
      expectWithin(await dx.read(), ropeBackward(Float64Array.from(dy), c.positions, c.dims), ropeTolerance(dy, headDim, gain), 'backward');
    } finally {
      for (const t of [table, tx, tdy, out, dx]) t.dispose();
    }
  });

  it('rejects a table of the wrong shape, naming it', async () => {
    const tx = GpuTensor.zeros(gpu, [3, 2, 4], 'x');
    const table = GpuTensor.zeros(gpu, [2, 4], 'rope-table');
    await expect(rope(gpu, tx, table)).rejects.toThrow(TensorShapeError);
    await expect(rope(gpu, tx, table)).rejects.toThrow(/table has shape \[2, 4\]; expected \[3, 4\]/);
    tx.dispose();
    table.dispose();
  });
});
