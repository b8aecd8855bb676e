import { parseBackendChoice, selectBackend } from './backend.js';
import { BackendUnavailableError } from './errors.js';

describe('backend selection (no GPU needed)', () => {
  it('parses RLVR_BACKEND values and names the variable on a bad one', () => {
    expect(parseBackendChoice(undefined)).toBe('auto');
    expect(parseBackendChoice('')).toBe('auto');
    expect(parseBackendChoice(' WebGPU ')).toBe('webgpu');
    expect(parseBackendChoice('cpu')).toBe('cpu');
    expect(() => parseBackendChoice('cuda')).toThrow(BackendUnavailableError);
    expect(() => parseBackendChoice('cuda')).toThrow('RLVR_BACKEND="cuda": expected one of auto, webgpu, cpu');
  });

  it('explicit cpu never touches the GPU and reports itself', async () => {
    const lines: string[] = [];
    const selection = await selectBackend({ backend: 'cpu', log: (line) => lines.push(line) });
    expect(selection).toEqual({ backend: 'cpu', reason: 'requested explicitly', gpu: null, adapter: null });
    expect(lines).toEqual(['@rlvr/kernels: backend cpu (cpu from option): requested explicitly']);
  });

  it('reads RLVR_BACKEND when no option is given', async () => {
    const saved = process.env.RLVR_BACKEND;
    process.env.RLVR_BACKEND = 'cpu';
    try {
      const selection = await selectBackend({ log: null });
      expect(selection.backend).toBe('cpu');
    } finally {
      if (saved === undefined) delete process.env.RLVR_BACKEND;
      else process.env.RLVR_BACKEND = saved;
    }
  });

  // A Dawn backend this OS cannot have gives the same null adapter as a machine without a driver.
  const absentBackend = process.platform === 'win32' ? 'backend=metal' : 'backend=d3d12';

  it('explicit webgpu without an adapter is an error, not a silent cpu', async () => {
    await expect(selectBackend({ backend: 'webgpu', log: null, dawnFlags: [absentBackend] })).rejects.toThrow(/backend webgpu requested \(option\) but requestAdapter\(\) returned null/);
  });

  it('auto without an adapter falls back to cpu and says so', async () => {
    const selection = await selectBackend({ backend: 'auto', log: null, dawnFlags: [absentBackend] });
    expect(selection.backend).toBe('cpu');
    expect(selection.reason).toMatch(/^no WebGPU adapter: /);
  });
});
