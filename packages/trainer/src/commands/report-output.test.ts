/** `rlvr report --out`: never a file of a run it reads, and written whole or not at all. */
import { linkSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { parseTrainConfig } from '../config/load-config.js';
import { writeRunConfig } from '../config/run-config.js';
import { MetricsWriter } from '../metrics/metrics-file.js';
import { syntheticStep } from '../metrics/testing/synthetic-metrics.js';
import { captureIo } from '../testing/capture-io.js';
import { useTempDir } from '../testing/temp-dir.js';
import { mountTmpfs } from '../testing/tmpfs.js';

const tempDir = useTempDir('rlvr-report-output-');
let run: string;

beforeAll(() => {
  run = join(tempDir(), 'run');
  const writer = new MetricsWriter(run);
  for (let s = 1; s <= 40; s++) writer.append(syntheticStep(s, 4));
  writeRunConfig(run, parseTrainConfig({}));
});

async function report(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['report', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

describe('rlvr report: --out is never an input', () => {
  test.each([
    ['metrics.jsonl', () => join(run, 'metrics.jsonl')],
    ['config.json', () => join(run, 'config.json')],
    ['the run directory itself', () => run],
    ['a hard link to metrics.jsonl', () => (linkSync(join(run, 'metrics.jsonl'), join(tempDir(), 'm.hard')), join(tempDir(), 'm.hard'))],
    ['a symbolic link to config.json', () => (symlinkSync(join(run, 'config.json'), join(tempDir(), 'c.sym')), join(tempDir(), 'c.sym'))],
  ])('--out %s: exit 2 naming --out and RUN_DIR; the run unchanged', async (_, outOf) => {
    const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8');
    const { code, out, err } = await report(run, '--out', outOf());
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^rlvr report: --out: .* is the same file as RUN_DIR .*; writing it would destroy the input: choose another path \(see: rlvr report --help\)\n$/);
    expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8')).toBe(metrics);
  });

  test('a page beside the run files is fine', async () => {
    const { code, out } = await report(run, '--out', join(run, 'report.html'));
    expect(code).toBe(0);
    expect(out).toBe(`${join(run, 'report.html')}\n`);
  });
});

describe('rlvr report: storage failures', () => {
  test('a full disk: exit 4 naming ENOSPC; the earlier page is kept and no temporary file is left', async () => {
    const fs = mountTmpfs(join(tempDir(), 'full'), '64k');
    if (fs === undefined) return;
    try {
      const out = join(fs.dir, 'report.html');
      writeFileSync(out, 'the earlier page\n');
      const { code, err } = await report(run, '--out', out);
      expect(code).toBe(4);
      expect(err).toMatch(/^rlvr report: cannot write .*report\.html: no space left on the device \(ENOSPC\); nothing was written; .* is as it was\n$/);
      expect(readFileSync(out, 'utf8')).toBe('the earlier page\n');
      expect(readdirSync(fs.dir)).toEqual(['report.html']);
    } finally {
      fs.unmount();
    }
  });

  test('a read-only folder: exit 4 naming EROFS', async () => {
    const fs = mountTmpfs(join(tempDir(), 'ro'), '1m', true);
    if (fs === undefined) return;
    try {
      for (const out of [join(fs.dir, 'report.html'), join(fs.dir, 'sub', 'report.html')]) {
        const { code, err } = await report(run, '--out', out);
        expect(code).toBe(4);
        expect(err).toMatch(/^rlvr report: cannot (create|write) .*: read-only file system \(EROFS\)/);
      }
    } finally {
      fs.unmount();
    }
  });
});
