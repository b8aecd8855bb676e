import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ConfigError, parseTrainConfig } from '../config/index.js';
import { runCli } from '../cli/run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import { samplingDeviceLine, selectSamplingDevice } from './sampling-device.js';

describe('sampling.device', () => {
  it('defaults to cpu and refuses an unknown device, naming the key and the choices', () => {
    expect(parseTrainConfig({}).sampling.device).toBe('cpu');
    expect(parseTrainConfig({ sampling: { device: 'webgpu' } }).sampling.device).toBe('webgpu');
    expect(() => parseTrainConfig({ sampling: { device: 'cuda' } })).toThrow(ConfigError);
    expect(() => parseTrainConfig({ sampling: { device: 'cuda' } })).toThrow(/sampling\.device.*auto.*cpu.*webgpu|auto.*cpu.*webgpu.*sampling\.device/s);
  });

  it('cpu is printed once with its reason', async () => {
    const lines: string[] = [];
    const selection = await selectSamplingDevice('cpu', { log: (line) => lines.push(line) });
    expect(selection).toEqual({ device: 'cpu', adapter: null, reason: 'sampling.device cpu' });
    expect(lines).toEqual(['sampling on cpu: sampling.device cpu']);
  });

  // In a fresh process: a jest worker keeps the addons an earlier test file loaded.
  (existsSync('/proc/self/maps') ? it : it.skip)('cpu never loads the WebGPU addon', async () => {
    const probe = fileURLToPath(new URL('./__fixtures__/cpu-device-probe.ts', import.meta.url));
    // Sources import their WGSL as text, which plain Node needs a loader for.
    const wgsl = fileURLToPath(new URL('../../../kernels/bench/register-wgsl.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', wgsl, '--conditions=@rlvr/source', probe], { encoding: 'utf8' });
    expect(JSON.parse(stdout)).toEqual({
      selection: { device: 'cpu', adapter: null, reason: 'sampling.device cpu' },
      lines: ['sampling on cpu: sampling.device cpu'],
      dawnLoaded: false,
    });
  });

  it('the printed line names the adapter when there is one', () => {
    expect(samplingDeviceLine({ device: 'webgpu', adapter: 'NVIDIA H100 80GB HBM3', reason: 'hardware adapter, sampling.device auto' })).toBe(
      'sampling on webgpu (NVIDIA H100 80GB HBM3): hardware adapter, sampling.device auto',
    );
  });

  it('rlvr generate and rlvr eval refuse an unknown --device before loading anything (exit 2)', async () => {
    for (const args of [
      ['generate', '--model', '/nonexistent', '--prompt', 'x', '--device', 'gpu'],
      ['eval', '--model', '/nonexistent', '--task', 'countdown', '--device', 'gpu'],
    ]) {
      const io = captureIo();
      expect(await runCli(args, io)).toBe(2);
      expect(io.err()).toMatch(/--device|sampling\.device/);
      expect(io.err()).toMatch(/gpu/);
    }
  });
});
