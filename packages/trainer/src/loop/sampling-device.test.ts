import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, parseTrainConfig } from '../config/index.js';
import { runCli } from '../cli/run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import { samplingDeviceLine, selectSamplingDevice } from './sampling-device.js';

/** Whether this process has loaded Dawn's addon (Linux: the mapped files of the process). */
const dawnLoaded = (): boolean | null => (existsSync('/proc/self/maps') ? readFileSync('/proc/self/maps', 'utf8').includes('dawn.node') : null);

describe('sampling.device', () => {
  it('defaults to cpu and refuses an unknown device, naming the key and the choices', () => {
    expect(parseTrainConfig({}).sampling.device).toBe('cpu');
    expect(parseTrainConfig({ sampling: { device: 'webgpu' } }).sampling.device).toBe('webgpu');
    expect(() => parseTrainConfig({ sampling: { device: 'cuda' } })).toThrow(ConfigError);
    expect(() => parseTrainConfig({ sampling: { device: 'cuda' } })).toThrow(/sampling\.device.*auto.*cpu.*webgpu|auto.*cpu.*webgpu.*sampling\.device/s);
  });

  it('cpu is printed once with its reason and never loads the WebGPU addon', async () => {
    const lines: string[] = [];
    const selection = await selectSamplingDevice('cpu', { log: (line) => lines.push(line) });
    expect(selection).toEqual({ device: 'cpu', adapter: null, reason: 'sampling.device cpu' });
    expect(lines).toEqual(['sampling on cpu: sampling.device cpu']);
    expect(dawnLoaded()).not.toBe(true);
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
