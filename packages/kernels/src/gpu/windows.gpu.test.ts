import { describeGpu } from '../device/describe-gpu.js';
import { GpuTensor } from './tensor.js';
import { bindingWindows, elementWindow, wholeBinding } from './windows.js';

await describeGpu('binding windows of tensors larger than one storage binding', (gpu) => {
  const limited = <T>(bytes: number, work: () => T): T => {
    gpu.limitBindingBytes(bytes);
    try {
      return work();
    } finally {
      gpu.limitBindingBytes(null);
    }
  };

  it('one window holds a tensor that fits; an empty tensor has none', () => {
    const t = GpuTensor.zeros(gpu, [5, 3], 'small');
    const e = GpuTensor.zeros(gpu, [0, 3], 'empty');
    expect(bindingWindows(gpu, t, 3)).toEqual([{ row0: 0, rows: 5, binding: { buffer: t.buffer, offset: 0, size: 64 } }]);
    expect(bindingWindows(gpu, e, 3)).toEqual([]);
    for (const x of [t, e]) x.dispose();
  });

  it('splits rows at aligned offsets, each window within the limit, covering every row once', () => {
    // Rows of 7 floats (28 B): a window may only start every 64 rows (64 · 28 B = 7 · 256 B).
    const t = GpuTensor.zeros(gpu, [1000, 7], 'table');
    const windows = limited(4096, () => bindingWindows(gpu, t, 7));
    expect(windows.map((w) => w.rows)).toEqual([128, 128, 128, 128, 128, 128, 128, 104]);
    let next = 0;
    for (const w of windows) {
      expect(w.row0).toBe(next);
      next += w.rows;
      expect(w.binding.offset).toBe(w.row0 * 28);
      expect(w.binding.offset! % 256).toBe(0);
      expect(w.binding.size).toBeLessThanOrEqual(4096);
      expect(w.binding.size! % 16).toBe(0);
      expect(w.binding.size).toBeGreaterThanOrEqual(w.rows * 28);
    }
    expect(next).toBe(1000);
    t.dispose();
  });

  it('names the tensor when not even one aligned window fits, or a range is too large', () => {
    const t = GpuTensor.zeros(gpu, [10, 100], 'wide');
    expect(() => limited(256, () => bindingWindows(gpu, t, 100))).toThrow(/tensor wide \[10, 100\]: 16 rows of 100 elements .* exceed one storage binding \(256 bytes\)/);
    expect(() => limited(512, () => wholeBinding(gpu, t, 'kernel x'))).toThrow(
      /kernel x: 4000 bytes of tensor wide \[10, 100\] must be bound at once, more than one storage binding allows \(512 bytes\)/,
    );
    // A range starting mid-window: offset rounded down to 256 B, `first` is the remainder in elements.
    expect(limited(512, () => elementWindow(gpu, t, 70, 130, 'kernel x'))).toEqual({ binding: { buffer: t.buffer, offset: 256, size: 272 }, first: 6 });
    t.dispose();
  });
});
