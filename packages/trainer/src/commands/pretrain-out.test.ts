/** `rlvr pretrain --out`: never a model it reads or the embedded assets, never an existing directory without --overwrite. */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { embeddedModelDir } from '../models/embedded.js';
import { captureIo } from '../testing/capture-io.js';
import { useTempDir } from '../testing/temp-dir.js';
import { mountTmpfs } from '../testing/tmpfs.js';

const tempDir = useTempDir('rlvr-pretrain-out-');

async function pretrain(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['pretrain', '--task', 'countdown', '--steps', '1', '--backend', 'cpu', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('rlvr pretrain --out', () => {
  test.each([
    ['the --sft model itself', () => embeddedModelDir('countdown-base'), 'is'],
    ['a folder inside the --sft model', () => join(embeddedModelDir('countdown-base'), 'sft'), 'is inside'],
  ])('%s: exit 2, the model untouched', async (_, outOf, relation) => {
    const sft = embeddedModelDir('countdown-base');
    const before = readdirSync(sft).sort();
    const { code, err } = await pretrain('--sft', sft, '--out', outOf());
    expect(code).toBe(2);
    expect(err).toContain(`--out: ${outOf()} ${relation} --sft ${sft}; a model directory it reads is never written into`);
    expect(readdirSync(sft).sort()).toEqual(before);
  });

  test('a folder around the --sft model: exit 2', async () => {
    const sft = join(tempDir(), 'models', 'base');
    mkdirSync(sft, { recursive: true });
    const { code, err } = await pretrain('--sft', sft, '--out', join(tempDir(), 'models'));
    expect(code).toBe(2);
    expect(err).toMatch(/--out: .*models contains --sft .*base; a model directory it reads is never written into/);
  });

  test('inside the embedded assets: exit 2', async () => {
    const out = join(embeddedModelDir('countdown-search-base'), '..', 'my-model');
    const { code, err } = await pretrain('--out', out);
    expect(code).toBe(2);
    expect(err).toMatch(/--out: .*my-model is inside the embedded assets .*assets; a model directory it reads is never written into/);
    expect(existsSync(out)).toBe(false);
  });

  test('a non-empty directory: refused; --overwrite refuses to clear files a model directory does not hold', async () => {
    const out = join(tempDir(), 'busy');
    mkdirSync(out);
    writeFileSync(join(out, 'config.json'), '{}\n');
    const plain = await pretrain('--out', out);
    expect(plain.code).toBe(2);
    expect(plain.err).toContain(
      `--out: ${out} is not empty; choose a new directory, or replace the model in it with \`rlvr pretrain --task countdown --steps 1 --backend cpu --out ${out} --overwrite\``,
    );
    writeFileSync(join(out, 'data.csv'), 'x\n');
    const overwrite = await pretrain('--out', out, '--overwrite');
    expect(overwrite.code).toBe(2);
    expect(overwrite.err).toMatch(/--overwrite: .*busy holds .*data\.csv, which this command does not write; refusing to clear it/);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('{}\n');
  });

  test('a read-only --out: exit 4 naming EROFS, before any training', async () => {
    const fs = mountTmpfs(join(tempDir(), 'ro'), '1m', true);
    if (fs === undefined) return;
    try {
      const { code, err } = await pretrain('--out', join(fs.dir, 'model'));
      expect(code).toBe(4);
      expect(err).toMatch(/^rlvr pretrain: cannot create .*model: read-only file system \(EROFS\); nothing was trained\n$/);
    } finally {
      fs.unmount();
    }
  });
});
