/**
 * Test helper for `*.gpu.test.ts`: runs a suite on a real device where an adapter exists and says
 * loudly when it skips. Exported from `@rlvr/kernels/testing` only (it calls jest's globals).
 */
import { tryRequestGpuDevice, type GpuDevice } from './gpu-device.js';

/**
 * Declare a GPU suite (await it at the top level of the test file). With an adapter, `body` gets a
 * device that is destroyed in `afterAll` so jest exits; without one, the suite is `describe.skip`ped
 * with a loud message, or fails when env `RLVR_REQUIRE_GPU=1` (CI, where lavapipe must be present).
 */
export async function describeGpu(name: string, body: (gpu: GpuDevice) => void): Promise<void> {
  const result = await tryRequestGpuDevice();
  if (!result.gpu) {
    const message = `GPU tests SKIPPED: no WebGPU adapter (${result.reason}) — suite "${name}"`;
    if (process.env.RLVR_REQUIRE_GPU === '1') {
      describe(name, () => {
        it('has a WebGPU adapter (RLVR_REQUIRE_GPU=1)', () => {
          throw new Error(message);
        });
      });
      return;
    }
    // Straight to stderr: jest drops console output of fully skipped suites when it runs several files.
    process.stderr.write(`\n${'!'.repeat(100)}\n${message}\n${'!'.repeat(100)}\n`);
    // The body only builds `it` closures; they never run under describe.skip, so no device is needed.
    describe.skip(name, () => body(null as unknown as GpuDevice));
    return;
  }
  const gpu = result.gpu;
  describe(`${name} [${gpu.adapter.description || gpu.adapter.device}]`, () => {
    afterAll(() => gpu.destroy());
    body(gpu);
  });
}
