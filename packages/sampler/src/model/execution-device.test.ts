import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SamplerDeviceError } from '../errors.js';
import { assertDeviceStarts } from './execution-device.js';
import { sessionOptions } from './session-options.js';

describe('sampler execution device', () => {
  it('maps the device to one execution provider; cpu is the default', () => {
    expect(sessionOptions({}).executionProviders).toEqual(['cpu']);
    expect(sessionOptions({ device: 'webgpu' }).executionProviders).toEqual(['webgpu']);
  });

  it('cpu always starts; an unknown device is refused by name', async () => {
    await expect(assertDeviceStarts('cpu')).resolves.toBeUndefined();
    const bad = assertDeviceStarts('cuda' as 'cpu');
    await expect(bad).rejects.toBeInstanceOf(SamplerDeviceError);
    await expect(assertDeviceStarts('cuda' as 'cpu')).rejects.toThrow(/^sampler device cuda: unknown device; expected one of cpu, webgpu$/);
  });

  // Linux only: there ORT's WebGPU EP finds no adapter once Vulkan's drivers are hidden (measured; other OSes use other APIs).
  (process.platform === 'linux' ? it : it.skip)('webgpu where the EP finds no adapter is a SamplerDeviceError with ORT’s reason, not a CPU session', () => {
    // A fresh process whose Vulkan loader has no driver: ORT's WebGPU EP gets no adapter.
    const fixture = fileURLToPath(new URL('./fixtures/webgpu-load.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--conditions=@rlvr/source', '--import', 'tsx', fixture], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' },
    });
    expect(child.status).toBe(0);
    const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as { name?: string; message?: string; started?: string };
    expect(result.name).toBe('SamplerDeviceError');
    expect(result.message).toMatch(/^sampler device webgpu: ONNX Runtime's WebGPU execution provider cannot start: .*adapter/i);
  });
});
