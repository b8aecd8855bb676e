/**
 * One-shot check on a lent GPU machine (no Node.js or node_modules there): every matmul case of the
 * shared case table against the f64 reference with the tests' tolerance, the same for the fused
 * log-softmax kernel (forward and backward), then matmul GFLOP/s and the loss kernel's GB/s. Bundled with its WGSL by tools/scripts/pack-device-check.sh; prints plain text.
 */
import { describeAdapter, requestGpuDevice } from '../src/device/index.js';
import { GpuTensor } from '../src/gpu/index.js';
import { matmulCaseInputs, matmulCases } from '../src/matmul/matmul.cases.js';
import { matmulInputLengths } from '../src/matmul/matmul.shared.js';
import { matmulReference } from '../src/matmul/matmul.reference.js';
import { planMatmul } from '../src/matmul/matmul.gpu.js';
import { matmulTolerance } from '../src/matmul/matmul.tolerance.js';
import { logSoftmaxGather, logSoftmaxGatherBackward, LOSS_WORKGROUP } from '../src/loss/loss.gpu.js';
import { logSoftmaxTolerances } from '../src/loss/loss.tolerance.js';
import { submitPlans, worstRatio } from '../src/kernel-common/plan.js';
import { LOG_SOFTMAX_CASES, logSoftmaxCaseInputs } from '../src/loss/log-softmax-gather.cases.js';
import {
  logSoftmaxGatherBackward as referenceBackward,
  logSoftmaxGatherForward as referenceForward,
} from '../src/loss/log-softmax-gather.reference.js';
import { gpuGflops } from './gpu-timing.js';
import { measureLossBandwidth } from './loss-timing.js';

const gpu = await requestGpuDevice();
console.log(`adapter: ${describeAdapter(gpu.adapter)}`);
let failures = 0;
for (const [i, c] of matmulCases.entries()) {
  const lengths = matmulInputLengths(c);
  // The operands matmul.gpu.test.ts draws, so a failure here reproduces there.
  const { a, b } = matmulCaseInputs(c, i);
  const ta = GpuTensor.fromArray(gpu, a, [lengths.a], 'A');
  const tb = GpuTensor.fromArray(gpu, b, [lengths.b], 'B');
  const tc = GpuTensor.zeros(gpu, [lengths.c], 'C');
  await submitPlans(gpu, 'matmul', () => planMatmul(gpu, ta, tb, tc, c));
  const { ratio } = worstRatio(
    await tc.read(),
    matmulReference(a, b, c),
    matmulTolerance(a.map(Math.abs), b.map(Math.abs), c),
  );
  if (!(ratio <= 1)) failures += 1;
  console.log(`${ratio <= 1 ? 'pass' : 'FAIL'} ${c.name}: worst error ${ratio.toExponential(2)} × tolerance`);
  for (const t of [ta, tb, tc]) t.dispose();
}
console.log(`matmul cases: ${matmulCases.length - failures} passed, ${failures} failed`);
let lossFailures = 0;
for (const c of LOG_SOFTMAX_CASES) {
  const { logits, targets, gLogprob, gEntropy } = logSoftmaxCaseInputs(c);
  const { tokens, vocab, temperature } = c.dims;
  const tl = GpuTensor.fromArray(gpu, logits, [tokens, vocab], 'logits');
  const tt = GpuTensor.fromArray(gpu, Float32Array.from(targets), [tokens], 'targets');
  const forward = await logSoftmaxGather(gpu, tl, tt, { temperature });
  const backward = await logSoftmaxGatherBackward(gpu, tl, tt, gLogprob, gEntropy, { temperature });
  const dlogits = await backward.dlogits.read();
  const reference = referenceForward(Float64Array.from(logits), targets, c.dims);
  const referenceD = referenceBackward(
    Float64Array.from(logits),
    targets,
    Float64Array.from(gLogprob),
    Float64Array.from(gEntropy),
    c.dims,
  );
  const tol = logSoftmaxTolerances(logits, targets, c.dims, gLogprob, gEntropy, LOSS_WORKGROUP);
  const ratio = Math.max(
    worstRatio(forward.logprob, reference.logprob, tol.logprob).ratio,
    worstRatio(forward.entropy, reference.entropy, tol.entropy).ratio,
    worstRatio(dlogits, referenceD, tol.dlogits).ratio,
  );
  if (!(ratio <= 1)) lossFailures += 1;
  console.log(
    `${ratio <= 1 ? 'pass' : 'FAIL'} log-softmax ${c.name}: worst error ${ratio.toExponential(2)} × tolerance`,
  );
  for (const t of [tl, tt, backward.dlogits]) t.dispose();
}
console.log(`log-softmax cases: ${LOG_SOFTMAX_CASES.length - lossFailures} passed, ${lossFailures} failed`);
for (const shape of [
  { m: 256, n: 256, k: 256 },
  { m: 1024, n: 1024, k: 1024 },
  { m: 4096, n: 4096, k: 4096 },
  { m: 4096, n: 256, k: 256 },
  { m: 4096, n: 256, k: 256, transB: true },
]) {
  console.log(
    `matmul ${shape.m}×${shape.n}×${shape.k}${shape.transB ? ' NT' : ''}: ${(await gpuGflops(gpu, shape)).toFixed(1)} GFLOP/s`,
  );
}
for (const [tokens, vocab] of [
  [64, 32768],
  [512, 151936],
] as const) {
  const { forwardGBs, pgGBs, copyGBs } = await measureLossBandwidth(gpu, tokens, vocab);
  console.log(
    `loss ${tokens}×${vocab}: forward ${forwardGBs.toFixed(1)} GB/s, PG + dlogits ${pgGBs.toFixed(1)} GB/s, buffer copy ${copyGBs.toFixed(1)} GB/s`,
  );
}
gpu.destroy();
