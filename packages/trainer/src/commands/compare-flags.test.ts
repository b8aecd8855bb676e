/** `rlvr compare`: flags refused before any run (the runs themselves: test/demo.test.ts). */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

  test('--lr NAME=LR missing a compared weighting: exit 2 naming it, nothing written', async () => {
    const out = join(tempDir(), 'never');
    const { code, err } = await compare('--weightings', 'grpo,linear-r', '--lr', 'grpo=0.0005', '--out', out);
    expect(code).toBe(2);
    expect(err).toBe('rlvr compare: --lr: no rate for linear-r; give NAME=LR for each (see: rlvr compare --help)\n');
    expect(existsSync(out)).toBe(false);
  });

  test('--max-new-tokens with --task choice, or not a positive integer: exit 2 naming it, nothing written', async () => {
    const out = join(tempDir(), 'never');
    const choice = await compare('--task', 'choice', '--max-new-tokens', '64', '--out', out);
    expect(choice.code).toBe(2);
    expect(choice.err).toBe('rlvr compare: --max-new-tokens: only with --task countdown (a choice answer is one token) (see: rlvr compare --help)\n');
    const zero = await compare('--max-new-tokens', '0', '--out', out);
    expect(zero.code).toBe(2);
    expect(zero.err).toMatch(/^rlvr compare: --max-new-tokens: /);
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

  test('--out an unrelated non-empty folder: exit 2 naming what no comparison writes; its runs/ subfolders untouched', async () => {
    const out = join(tempDir(), 'my-project');
    const notes = join(out, 'runs', 'linear-r', 'seed-1', 'notes.txt');
    mkdirSync(join(out, 'runs', 'linear-r', 'seed-1'), { recursive: true });
    writeFileSync(notes, 'my work');
    const { code, err } = await compare('--seeds', '1', '--max-steps', '1', '--out', out);
    expect(code).toBe(2);
    expect(err).toBe(
      `rlvr compare: --out: ${out} holds ${notes}, which rlvr compare does not write; a comparison replaces unfinished runs under OUT/runs, so --out must be missing, empty or an earlier comparison's: choose another path (see: rlvr compare --help)\n`,
    );
    expect(readFileSync(notes, 'utf8')).toBe('my work');
  });

  test('--out around a --model directory: exit 2 naming --model', async () => {
    const model = join(tempDir(), 'models', 'mine');
    const { code, err } = await compare('--model', model, '--out', join(tempDir(), 'models'));
    expect(code).toBe(2);
    expect(err).toMatch(/^rlvr compare: --out: .*models contains --model .*mine; a model directory is never written into/);
  });
});
