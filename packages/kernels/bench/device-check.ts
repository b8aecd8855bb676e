/**
 * One-shot check on a lent GPU machine (no Node.js or node_modules there): every matmul case of the
 * shared case table against the f64 reference with the tests' tolerance, then GFLOP/s at the
 * benchmark's sizes. Bundled with its WGSL by tools/scripts/pack-device-check.sh; prints plain text.
 */
import { describeAdapter, requestGpuDevice } from '../src/device/index.js';
import { GpuTensor } from '../src/gpu/index.js';
import { matmulCases, matmulInputLengths, matmulReference, planMatmul } from '../src/matmul/index.js';
import { matmulTolerance, worstToleranceRatio } from '../src/matmul/matmul.tolerance.js';
import { seededFloats } from '../src/random.js';
import { gpuGflops } from './gpu-timing.js';

const gpu = await requestGpuDevice();
console.log(`adapter: ${describeAdapter(gpu.adapter)}`);
let failures = 0;
for (const [i, c] of matmulCases.entries()) {
  const lengths = matmulInputLengths(c);
  // Same seeds as matmul.gpu.test.ts, so a failure here reproduces there.
  const a = seededFloats(1000 + i, lengths.a);
  const b = seededFloats(2000 + i, lengths.b);
  const ta = GpuTensor.fromArray(gpu, a, [lengths.a], 'A');
  const tb = GpuTensor.fromArray(gpu, b, [lengths.b], 'B');
  const tc = GpuTensor.zeros(gpu, [lengths.c], 'C');
  await gpu.scoped('matmul', () => {
    const plan = planMatmul(gpu, ta, tb, tc, c);
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    plan.encode(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    plan.dispose();
  });
  const { ratio } = worstToleranceRatio(await tc.read(), matmulReference(a, b, c), matmulTolerance(a.map(Math.abs), b.map(Math.abs), c));
  if (!(ratio <= 1)) failures += 1;
  console.log(`${ratio <= 1 ? 'pass' : 'FAIL'} ${c.name}: worst error ${ratio.toExponential(2)} × tolerance`);
  for (const t of [ta, tb, tc]) t.dispose();
}
console.log(`matmul cases: ${matmulCases.length - failures} passed, ${failures} failed`);
for (const shape of [
  { m: 256, n: 256, k: 256 },
  { m: 1024, n: 1024, k: 1024 },
  { m: 4096, n: 4096, k: 4096 },
  { m: 4096, n: 256, k: 256 },
  { m: 4096, n: 256, k: 256, transB: true },
]) {
  console.log(`matmul ${shape.m}×${shape.n}×${shape.k}${shape.transB ? ' NT' : ''}: ${(await gpuGflops(gpu, shape)).toFixed(1)} GFLOP/s`);
}
gpu.destroy();
