/** `rlvr compare`: flags refused before any run (the runs themselves: test/demo.test.ts). */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { embeddedModelDir } from '../models/embedded.js';
import { captureIo } from '../testing/capture-io.js';
import { useTempDir } from '../testing/temp-dir.js';

const tempDir = useTempDir('rlvr-compare-flags-');

async function compare(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['compare', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('rlvr compare: refused before any run', () => {
  test('--lr with --lrs: exit 2 naming --lr, nothing written', async () => {
    const out = join(tempDir(), 'never');
    const { code, err } = await compare('--lr', '0.001', '--lrs', '0.001,0.003', '--out', out);
    expect(code).toBe(2);
    expect(err).toBe('rlvr compare: --lr: not with --lrs (a sweep sets every rate) (see: rlvr compare --help)\n');
    expect(existsSync(out)).toBe(false);
  });

  test.each([
    ['the embedded start model', () => embeddedModelDir('countdown-sft'), ['--regime', 'sft'], 'is'],
    ['a folder inside the start model', () => join(embeddedModelDir('countdown-base'), 'cmp'), [], 'is inside'],
  ])('--out %s: exit 2, the model untouched', async (_, outOf, extra, relation) => {
    const before = readdirSync(embeddedModelDir('countdown-base')).sort();
    const { code, err } = await compare(...extra, '--out', outOf());
    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`^rlvr compare: --out: .* ${relation} the start model .*; a model directory is never written into: choose another path`));
    expect(readdirSync(embeddedModelDir('countdown-base')).sort()).toEqual(before);
  });

  test('--out around a --model directory: exit 2 naming --model', async () => {
    const model = join(tempDir(), 'models', 'mine');
    const { code, err } = await compare('--model', model, '--out', join(tempDir(), 'models'));
    expect(code).toBe(2);
    expect(err).toMatch(/^rlvr compare: --out: .*models contains --model .*mine; a model directory is never written into/);
  });
});
