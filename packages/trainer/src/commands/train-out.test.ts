/**
 * `rlvr train --out` / `--resume` / `--overwrite`: the run directory policy, with real (tiny) runs. A
 * finished run is never mixed with another; a model directory is never written into.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { embeddedModelDir } from '../models/embedded.js';
import { captureIo } from '../testing/capture-io.js';
import { mountTmpfs } from '../testing/tmpfs.js';
import { metricsOf, tinyConfig, tinyRun } from '../../test/tiny-run.js';

let tiny: ReturnType<typeof tinyRun>;
let configFile: string;
beforeAll(() => {
  tiny = tinyRun();
  configFile = join(tiny.root, 'tiny.json');
  writeFileSync(configFile, JSON.stringify(tinyConfig(tiny.modelDir, { checkpoint: { interval: 1, keep: null } })));
});
afterAll(() => tiny.cleanup());

async function train(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['train', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

const steps = (dir: string) => metricsOf(dir).flatMap((r) => (r.kind === 'step' ? [r.step] : []));

describe('rlvr train: the run directory', () => {
  test('a finished run is refused without --resume or --overwrite; --resume continues it; --overwrite starts it again', async () => {
    const dir = join(tiny.root, 'run');
    expect((await train('--config', configFile, '--out', dir)).code).toBe(0);
    expect(steps(dir)).toEqual([1, 2]);

    const again = await train('--config', configFile, '--out', dir);
    expect(again.code).toBe(2);
    expect(again.err).toContain(
      `--out: ${dir} already holds a run of this config; continue it with \`rlvr train --resume ${dir}\`, or start it again with \`rlvr train --config ${configFile} --out ${dir} --overwrite\``,
    );
    expect(again.err.trimEnd().split('\n')).toHaveLength(1);
    expect(steps(dir)).toEqual([1, 2]);

    // logging may change on a resume (it changes no step): TensorBoard files from step 3 on.
    const resumed = await train('--resume', dir, '--max-steps', '3', '--logging.tensorboard', 'true');
    expect(resumed.code).toBe(0);
    expect(steps(dir)).toEqual([1, 2, 3]);
    expect(readdirSync(join(dir, 'tensorboard'))).toEqual([expect.stringMatching(/^events\.out\.tfevents\./)]);
    expect(existsSync(join(dir, 'completions.jsonl'))).toBe(true);

    // The run's logs are run files: --overwrite clears them with the rest.
    const overwritten = await train('--config', configFile, '--out', dir, '--overwrite');
    expect(overwritten.code).toBe(0);
    expect(steps(dir)).toEqual([1, 2]);
    expect(existsSync(join(dir, 'tensorboard'))).toBe(false);
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['step-1', 'step-2']);
  }, 120_000);

  test('another config: refused with the field that differs, for --out and for --resume; --overwrite replaces it', async () => {
    const dir = join(tiny.root, 'other');
    expect((await train('--config', configFile, '--out', dir)).code).toBe(0);
    const config = readFileSync(join(dir, 'config.json'), 'utf8');

    const out = await train('--config', configFile, '--out', dir, '--optim.lr', '0.5');
    expect(out.code).toBe(2);
    expect(out.err).toMatch(/^rlvr train: --out: .* holds a run of another config \(optim\.lr differs\); choose a new directory, or clear it with `rlvr train .* --overwrite`/);

    const resume = await train('--resume', dir, '--optim.lr', '0.5');
    expect(resume.code).toBe(2);
    expect(resume.err).toMatch(/^rlvr train: --resume: the run in .* has another config: optim\.lr is 0\.01 there, 0\.5 here/);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(config);
    expect(steps(dir)).toEqual([1, 2]);

    const replaced = await train('--config', configFile, '--out', dir, '--optim.lr', '0.5', '--overwrite');
    expect(replaced.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).optim.lr).toBe(0.5);
    expect(steps(dir)).toEqual([1, 2]);
  }, 120_000);

  test('a directory holding files no run writes: refused, and --overwrite does not clear it, naming one', async () => {
    const dir = join(tiny.root, 'notes');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    const plain = await train('--config', configFile, '--out', dir);
    expect(plain.code).toBe(2);
    expect(plain.err).toMatch(/--out: .*notes is not empty and holds no run; choose a new directory, or clear it with/);
    const overwrite = await train('--config', configFile, '--out', dir, '--overwrite');
    expect(overwrite.code).toBe(2);
    expect(overwrite.err).toMatch(/--overwrite: .*notes holds .*notes\.txt, which this command does not write; refusing to clear it/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
  });

  test('--overwrite never removes the --config it reads', async () => {
    const dir = join(tiny.root, 'self');
    expect((await train('--config', configFile, '--out', dir)).code).toBe(0);
    const own = await train('--config', join(dir, 'config.json'), '--out', dir, '--overwrite');
    expect(own.code).toBe(2);
    expect(own.err).toMatch(/--overwrite: --config .*config\.json is inside .*self, which --overwrite would clear/);
    expect(existsSync(join(dir, 'config.json'))).toBe(true);
  });

  test('--overwrite with --resume is a usage error', async () => {
    const { code, err } = await train('--resume', join(tiny.root, 'run'), '--overwrite');
    expect(code).toBe(2);
    expect(err).toMatch(/--overwrite: not with --resume/);
  });
});

describe('rlvr train: a model directory is never written into', () => {
  test.each([
    ['the model directory', () => tiny.modelDir, 'is'],
    ['a folder inside it', () => join(tiny.modelDir, 'run'), 'is inside'],
    ['a folder around it', () => tiny.root, 'contains'],
  ])('--out %s: exit 2, the model untouched', async (_, outOf, relation) => {
    const before = readdirSync(tiny.modelDir).sort();
    const { code, err } = await train('--config', configFile, '--out', outOf(), '--overwrite');
    expect(code).toBe(2);
    expect(err).toContain(`--out: ${outOf()} ${relation} model.path ${tiny.modelDir}; a model directory is never written into`);
    expect(readdirSync(tiny.modelDir).sort()).toEqual(before);
  });

  test('--out inside an embedded model: exit 2', async () => {
    const out = join(embeddedModelDir('countdown-base'), 'run');
    const { code, err } = await train('--max-steps', '1', '--out', out);
    expect(code).toBe(2);
    expect(err).toMatch(/--out: .* is inside model\.path .*countdown-base; a model directory is never written into/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('rlvr train: generator ranges and storage', () => {
  test('a generator range it refuses: exit 2 naming the config field and the flag, not the library option', async () => {
    const out = join(tiny.root, 'never');
    const { code, err } = await train('--config', configFile, '--out', out, '--task.generator.min-numbers', '5', '--task.generator.max-numbers', '3');
    expect(code).toBe(2);
    expect(err).toMatch(/^rlvr train: task\.generator\.maxNumbers: expected an integer in \[5, 6\], got 3 \(flag --task\.generator\.max-numbers; it may not be below task\.generator\.minNumbers\)/);
    expect(err).not.toMatch(/options\./);
    expect(existsSync(out)).toBe(false);
  });

  test('a read-only --out: exit 4 naming EROFS, before any training', async () => {
    const fs = mountTmpfs(join(tiny.root, 'ro'), '1m', true);
    if (fs === undefined) return;
    try {
      for (const out of [fs.dir, join(fs.dir, 'run')]) {
        const { code, err } = await train('--config', configFile, '--out', out);
        expect(code).toBe(4);
        expect(err).toMatch(/^rlvr train: cannot (create|write) .*: read-only file system \(EROFS\); nothing was trained\n$/);
      }
    } finally {
      fs.unmount();
    }
  });

  test('an unreadable --config: exit 3 naming it', async () => {
    const { code, err } = await train('--config', join(tiny.root, 'missing.json'), '--out', join(tiny.root, 'never'));
    expect(code).toBe(3);
    expect(err).toMatch(/--config: cannot read .*missing\.json: no such file or directory \(ENOENT\)/);
  });

  test('task.onMalformed skip: the skipped records are reported once at the start, with the count and the first line numbers', async () => {
    const dataset = join(tiny.root, 'countdown-some-malformed.jsonl');
    const good = Array.from({ length: 24 }, (_, i) => JSON.stringify({ target: 10 + i, nums: [2, 3, 4 + i] }));
    const lines = [...good.slice(0, 3), '{"target": "x", "nums": [1]}', ...good.slice(3, 10), 'not json', ...good.slice(10)];
    writeFileSync(dataset, `${lines.join('\n')}\n`);
    const out = join(tiny.root, 'malformed-skip');
    const { code, err } = await train('--config', configFile, '--out', out, '--dataset', dataset, '--task.on-malformed', 'skip', '--max-steps', '1');
    expect([code, err]).toEqual([0, expect.any(String)]);
    const reports = err.split('\n').filter((l) => l.startsWith('task.onMalformed skip:'));
    expect(reports).toEqual([expect.stringMatching(new RegExp(`^task\\.onMalformed skip: skipped 2 malformed records of .*countdown-some-malformed\\.jsonl \\(line 4, 12\\); the first: `))]);
  });

  test('a --config that is a directory: exit 3 naming it, not a config error', async () => {
    const dir = join(tiny.root, 'config-dir');
    mkdirSync(dir, { recursive: true });
    const { code, err } = await train('--config', dir, '--out', join(tiny.root, 'never'));
    expect(code).toBe(3);
    expect(err).toMatch(/--config: .*config-dir is not a file/);
    expect(existsSync(join(tiny.root, 'never'))).toBe(false);
  });
});
