/** `rlvr demo --out`: the run directory policy, checked before any training (the demo itself: test/demo.test.ts). */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { writeRunConfig } from '../config/run-config.js';
import { SEARCH_BASE_MODEL, SEARCH_MAX_NEW_TOKENS, presetConfig } from '../demo/countdown-preset.js';
import { embeddedModelDir } from '../models/embedded.js';
import { captureIo } from '../testing/capture-io.js';
import { useTempDir } from '../testing/temp-dir.js';
import { DEMO_DEFAULTS } from './demo.js';

const tempDir = useTempDir('rlvr-demo-out-');

async function demo(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['demo', '--max-steps', '3', '--backend', 'cpu', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('rlvr demo --out', () => {
  test('--resume without a run there: nothing to resume (exit 3); without --out: a usage error', async () => {
    const empty = await demo('--out', join(tempDir(), 'empty'), '--resume');
    expect(empty.code).toBe(3);
    expect(empty.err).toMatch(/nothing to resume/);
    const noOut = await demo('--resume');
    expect(noOut.code).toBe(2);
    expect(noOut.err).toMatch(/--resume: needs --out/);
  });

  test('a demo run of the same config: refused with the --resume and the --overwrite command; nothing is changed', async () => {
    const dir = join(tempDir(), 'same');
    const config = presetConfig({
      model: SEARCH_BASE_MODEL,
      maxNewTokens: SEARCH_MAX_NEW_TOKENS,
      weighting: DEMO_DEFAULTS.weighting,
      lr: DEMO_DEFAULTS.lr,
      maxSteps: 3,
      seed: DEMO_DEFAULTS.seed,
      evalInterval: 3,
      backend: 'cpu',
    });
    writeRunConfig(dir, config);
    writeFileSync(join(dir, 'summary.json'), '{}\n');
    const { code, err } = await demo('--out', dir);
    expect(code).toBe(2);
    expect(err).toBe(
      `rlvr demo: --out: ${dir} already holds a run of this config; continue it with \`rlvr demo --max-steps 3 --backend cpu --out ${dir} --resume\`, or start it again with \`rlvr demo --max-steps 3 --backend cpu --out ${dir} --overwrite\` (see: rlvr demo --help)\n`,
    );
    expect(readFileSync(join(dir, 'summary.json'), 'utf8')).toBe('{}\n');
  });

  test('another run there: refused naming the field that differs', async () => {
    const dir = join(tempDir(), 'other');
    writeRunConfig(dir, presetConfig({ model: SEARCH_BASE_MODEL, weighting: 'grpo', lr: 1e-3, maxSteps: 3, seed: 1, evalInterval: 3, backend: 'cpu' }));
    const { code, err } = await demo('--out', dir);
    expect(code).toBe(2);
    expect(err).toMatch(/--out: .*other holds a run of another config \(\S+ differs\); choose a new directory, or clear it with `rlvr demo .*--overwrite`/);
  });

  test('--overwrite refuses a directory holding files no demo writes', async () => {
    const dir = join(tempDir(), 'mine');
    mkdirSync(dir);
    writeFileSync(join(dir, 'thesis.tex'), 'x');
    const { code, err } = await demo('--out', dir, '--overwrite');
    expect(code).toBe(2);
    expect(err).toMatch(/--overwrite: .*mine holds .*thesis\.tex, which this command does not write; refusing to clear it/);
    expect(existsSync(join(dir, 'thesis.tex'))).toBe(true);
  });

  test('inside the embedded model it starts from: refused', async () => {
    const out = join(embeddedModelDir('countdown-search-base'), 'demo');
    const { code, err } = await demo('--out', out);
    expect(code).toBe(2);
    expect(err).toMatch(/--out: .*demo is inside --model .*countdown-search-base; a model directory is never written into/);
    expect(existsSync(out)).toBe(false);
  });
});
