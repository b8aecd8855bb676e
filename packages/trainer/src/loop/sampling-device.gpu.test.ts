/**
 * Sampling-device selection where a WebGPU adapter exists (lavapipe on CI): `auto` takes the CPU EP on a
 * software adapter and ORT's WebGPU EP on a hardware one, `webgpu` takes any adapter, and `rlvr generate
 * --device webgpu` samples the CPU EP's greedy tokens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// A test-only helper of @rlvr/kernels (it calls jest's globals), from its `testing` subpath, not its API.
import { describeGpu } from '@rlvr/kernels/testing';
import { tinyModel, writeModelDir } from '@rlvr/sampler/testing';
import { runCli } from '../cli/run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import { selectSamplingDevice } from './sampling-device.js';

await describeGpu('sampling device selection', (gpu) => {
  const name = gpu.adapter.description || gpu.adapter.device;

  it('auto: the CPU EP on a software adapter, the WebGPU EP on a hardware one; printed once with the reason', async () => {
    const lines: string[] = [];
    const selection = await selectSamplingDevice('auto', { log: (line) => lines.push(line) });
    expect(lines).toHaveLength(1);
    if (gpu.adapter.isFallbackAdapter) {
      expect(selection).toMatchObject({ device: 'cpu', adapter: null });
      expect(lines[0]).toMatch(/^sampling on cpu: no hardware GPU adapter \(only .*\(software fallback\), where the CPU EP is faster\)$/);
    } else {
      expect(selection).toMatchObject({ device: 'webgpu', adapter: name });
      expect(lines[0]).toBe(`sampling on webgpu (${name}): hardware adapter, sampling.device auto`);
    }
  });

  it('webgpu: any adapter, software included, named in the line', async () => {
    const lines: string[] = [];
    const selection = await selectSamplingDevice('webgpu', { source: '--device', log: (line) => lines.push(line) });
    expect(selection).toEqual({ device: 'webgpu', adapter: name, reason: '--device webgpu' });
    expect(lines).toEqual([`sampling on webgpu (${name}): --device webgpu`]);
  });

  it('rlvr generate --device webgpu: the CPU EP’s greedy tokens, and the choice on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rlvr-generate-webgpu-'));
    try {
      const model = join(dir, 'tiny');
      writeModelDir(model, tinyModel({ std: 0.5 }));
      const run = async (device: string) => {
        const io = captureIo();
        const args = ['generate', '--model', model, '--prompt', 'How many clips', '--temperature', '0'];
        const code = await runCli([...args, '--max-new-tokens', '6', '--json', '--device', device], io);
        return { code, tokens: (JSON.parse(io.out()) as { tokens: number[] }).tokens, err: io.err() };
      };
      const cpu = await run('cpu');
      const webgpu = await run('webgpu');
      expect([cpu.code, webgpu.code]).toEqual([0, 0]);
      expect(cpu.tokens).toHaveLength(6);
      expect(webgpu.tokens).toEqual(cpu.tokens);
      expect(cpu.err).toBe('sampling on cpu: --device cpu\n');
      expect(webgpu.err).toBe(`sampling on webgpu (${name}): --device webgpu\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
