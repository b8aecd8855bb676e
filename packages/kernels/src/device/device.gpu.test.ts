import { selectBackend } from './backend.js';
import { describeGpu } from './describe-gpu.js';
import { GpuKernelError, TensorShapeError } from './errors.js';
import { KernelOptionError } from '../errors.js';
import { GpuTensor } from '../gpu/tensor.js';
import { BufferUsage } from '../gpu/usage.js';

await describeGpu('WebGPU device', (gpu) => {
  it('requests the adapter limits rather than the WebGPU defaults', () => {
    // WebGPU's default is 256 invocations per workgroup; every adapter we run on offers at least that.
    expect(gpu.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    expect(gpu.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(gpu.adapter.vendor.length + gpu.adapter.description.length).toBeGreaterThan(0);
    expect(typeof gpu.adapter.isFallbackAdapter).toBe('boolean');
  });

  it('round-trips tensors of size 1, 7 and 1e5', async () => {
    for (const size of [1, 7, 100_000]) {
      const data = Float32Array.from({ length: size }, (_, i) => i * 0.5 - 3);
      const t = GpuTensor.fromArray(gpu, data, [size]);
      expect(await t.read()).toEqual(data);
      t.dispose();
    }
  });

  it('turns a validation error into a GpuKernelError naming the kernel', async () => {
    // MAP_READ may only be combined with COPY_DST: creating this buffer is a validation error.
    const bad = gpu.scoped('bad-kernel', () => {
      gpu.device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.STORAGE });
    });
    await expect(bad).rejects.toBeInstanceOf(GpuKernelError);
    await expect(
      gpu.scoped('bad-kernel', () => {
        gpu.device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.STORAGE });
      }),
    ).rejects.toThrow(/^bad-kernel: WebGPU validation error/);
    // The scope stack is balanced afterwards: clean work passes.
    await expect(gpu.scoped('good', () => 42)).resolves.toBe(42);
  });

  it('refuses a tensor larger than one buffer, naming the limit', () => {
    const tooBig = [Math.floor(gpu.limits.maxBufferSize / 4) + 4];
    expect(() => GpuTensor.zeros(gpu, tooBig, 'embedding')).toThrow(TensorShapeError);
    expect(() => GpuTensor.zeros(gpu, tooBig, 'embedding')).toThrow(/tensor embedding .* more than one buffer allows \(maxBufferSize/);
  });

  it('lowers the binding limit used for splitting only to aligned sizes, and restores it', () => {
    const adapterLimit = gpu.maxBindingBytes;
    expect(adapterLimit % gpu.limits.minStorageBufferOffsetAlignment).toBe(0);
    try {
      gpu.limitBindingBytes(1024);
      expect(gpu.maxBindingBytes).toBe(1024);
      expect(() => gpu.limitBindingBytes(1000)).toThrow(/multiple of 256|multiple of \d+ bytes/);
      expect(() => gpu.limitBindingBytes(0)).toThrow(KernelOptionError);
    } finally {
      gpu.limitBindingBytes(null);
    }
    expect(gpu.maxBindingBytes).toBe(adapterLimit);
  });

  it('auto backend picks webgpu only on a hardware adapter, and says why', async () => {
    const lines: string[] = [];
    const selection = await selectBackend({ backend: 'auto', log: (line) => lines.push(line) });
    if (gpu.adapter.isFallbackAdapter) {
      expect(selection.backend).toBe('cpu');
      expect(selection.reason).toMatch(/software fallback/);
    } else {
      expect(selection.backend).toBe('webgpu');
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^@rlvr\/kernels: backend (cpu|webgpu) \(auto from option\): /);
    selection.gpu?.destroy();
  });

  it('explicit webgpu uses any adapter, software included', async () => {
    const selection = await selectBackend({ backend: 'webgpu', log: null });
    expect(selection.backend).toBe('webgpu');
    selection.gpu?.destroy();
    expect(selection.gpu?.destroyed).toBe(true);
  });
});
