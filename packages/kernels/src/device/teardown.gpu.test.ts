import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeGpu } from './describe-gpu.js';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

await describeGpu('device teardown', () => {
  // Dawn settles device promises from its instance's event processing after destroy(); an instance
  // collected by then aborts the process natively (deps.md §1). Deterministic with forced GC.
  it('survives garbage collection between destroy() and the settling of the device-lost promise', () => {
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', here('./fixtures/destroy-then-collect.mjs'), here('./gpu-device.ts')], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect({ status: child.status, signal: child.signal, stdout: child.stdout }).toEqual({ status: 0, signal: null, stdout: 'clean exit\n' });
  });
});
