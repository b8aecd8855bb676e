/**
 * `rlvr train` as a user of TRL types it: a YAML config, TRL's option names, and `--json` lines on
 * stdout, through the real command line with a real (tiny) run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import { metricsOf, tinyRun } from '../../test/tiny-run.js';

let tiny: ReturnType<typeof tinyRun>;
beforeAll(() => {
  tiny = tinyRun();
});
afterAll(() => tiny.cleanup());

async function train(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['train', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

/** Write `text` to a config file named `name` in the test's root. */
function configFile(name: string, text: string): string {
  const path = join(tiny.root, name);
  writeFileSync(path, text);
  return path;
}

/** A 2-step Countdown run on the tiny model, as a YAML file with comments, flow lists, an exponent and a TRL key. */
function tinyYaml(): string {
  return [
    '# two steps on a tiny model',
    'model:',
    `  path: ${JSON.stringify(tiny.modelDir)}`,
    'task:',
    '  generator: {count: 64}',
    '  testSize: 8',
    'num_generations: 4 # TRL’s name of sampling.groupSize, as in a TRL config',
    'sampling:',
    '  promptsPerStep: 3',
    '  maxNewTokens: 12',
    'optim:',
    '  lr: 1.0e-2 # overridden below',
    'ppo: {microBatchSize: 5}',
    'eval:',
    '  samples: 2',
    '  passAtK: [1, 2]',
    'checkpoint:',
    '  interval: 0',
    'backend: cpu',
    'seed: 7',
    'maxSteps: 2',
    '',
  ].join('\n');
}

describe('rlvr train --config run.yaml, TRL option names and --json', () => {
  test('a YAML config with TRL flags on top trains; --json prints each metrics record, then the end line', async () => {
    const config = configFile('tiny.yaml', tinyYaml());
    const dir = join(tiny.root, 'run');
    const { code, out, err } = await train('--config', config, '--out', dir, '--learning_rate', '0.02', '--max_completion_length=10', '--eval_steps', '1', '--eval.prompts', '2', '--json');
    expect(err).not.toMatch(/^rlvr train: /m);
    expect(code).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(written.optim.lr).toBe(0.02);
    expect(written.sampling).toMatchObject({ groupSize: 4, maxNewTokens: 10 });
    expect(written.eval).toMatchObject({ interval: 1, prompts: 2, samples: 2, passAtK: [1, 2] });
    expect(written.task.generator.count).toBe(64);

    // stdout: JSON only, the metrics.jsonl records in their order, then where the run is.
    const lines = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; step?: number });
    const records = metricsOf(dir);
    expect(lines.slice(0, -1)).toEqual(records);
    expect(records.map((r) => `${r.kind} ${r.step}`)).toEqual(['eval 0', 'step 1', 'eval 1', 'step 2', 'eval 2']);
    expect(lines.at(-1)).toEqual({
      kind: 'end',
      runDir: dir,
      steps: 2,
      checkpoint: join(dir, 'checkpoints', 'step-2'),
    });
    // The human lines stay on stderr.
    expect(err).toMatch(/^step 2\/2 {2}acc \d\.\d{3}/m);
    expect(err).toMatch(/eval after step 1: pass@1/);
  }, 120_000);

  test('without --json stdout is the run directory alone; TRL’s --output_dir names it', async () => {
    const dir = join(tiny.root, 'plain');
    const { code, out } = await train('--config', configFile('plain.yaml', tinyYaml()), '--output_dir', dir, '--max_steps', '1');
    expect(code).toBe(0);
    expect(out).toBe(`${dir}\n`);
    expect(metricsOf(dir).filter((r) => r.kind === 'step')).toHaveLength(1);
  }, 120_000);

  test.each([
    ['a refused value names its key and line', 'optim:\n  beta1: 0.9\n  lr: -1\n', 'optim.lr: got -1 (in FILE line 3); expected a number > 0'],
    ['an unknown key names its line', 'sampling:\n  groupSize: 4\n  group_size: 4\n', 'sampling.group_size: unknown field (in FILE line 3); expected one of'],
    ['a list entry names its line', 'eval:\n  samples: 4\n  passAtK:\n    - 1\n    - 8\n', 'eval.passAtK.1: got 8 (in FILE line 5); expected k ≤ eval.samples = 4'],
    ['YAML 1.2: yes is a string, not true', 'lora:\n  useRslora: yes\n', 'lora.useRslora: got "yes" (in FILE line 2); expected true or false'],
    ['a syntax error names line and column', 'optim:\n  lr: [1e-6,\nseed: 1\n', 'is not valid YAML: line 3, column'],
    ['a duplicate key is refused', 'seed: 1\nseed: 2\n', 'is not valid YAML: line 2, column 1: Map keys must be unique'],
    ['two documents are refused', 'seed: 1\n---\nseed: 2\n', 'is not valid YAML: line 2, column 1: a second document (---); expected one'],
    [
      'a TRL key that means something else here says so',
      'per_device_train_batch_size: 4\n',
      'per_device_train_batch_size: unknown field (in FILE line 1); TRL’s per_device_train_batch_size sets nothing here (ppo.microBatchSize: ',
    ],
    ['a list at the top', '- seed: 1\n', 'expected a YAML mapping (key: value lines) at the top level, got [{"seed":1}]'],
    ['a TRL key’s refused value names the key and its line', 'seed: 1\nlearning_rate: -1\n', 'optim.lr: got -1 (in FILE line 2, as learning_rate); expected a number > 0'],
    [
      'a TRL key and this project’s key with different values',
      'learning_rate: 1.0e-5\noptim:\n  lr: 2.0e-5\n',
      'optim.lr: set twice in FILE: 0.00001 as learning_rate (line 1), TRL’s name for it, and 0.00002 as optim.lr (line 3); give one of them',
    ],
  ])('YAML: %s (exit 2, one line)', async (_name, text, message) => {
    const file = configFile('bad.yml', text);
    const { code, out, err } = await train('--config', file, '--out', join(tiny.root, 'never'));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message.replace('FILE', file));
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });

  test('a JSON config names the line too', async () => {
    const file = configFile('bad.json', JSON.stringify({ seed: 1, optim: { lr: 1e-6, beta2: 2 } }, null, 2));
    const { code, err } = await train('--config', file);
    expect(code).toBe(2);
    expect(err).toContain(`optim.beta2: got 2 (in ${file} line 5); expected a number < 1`);
  });

  test('a TRL name and this project’s flag with different values: exit 2 naming both', async () => {
    const { code, out, err } = await train('--lr', '1e-3', '--learning_rate', '1e-4');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe('rlvr train: --learning_rate: sets optim.lr to 1e-4, but --lr sets it to 1e-3; give one of them (see: rlvr train --help)\n');
  });

  test('--out and TRL’s --output_dir naming two directories: exit 2 naming both', async () => {
    const { code, err } = await train('--out', 'runs/a', '--output_dir', 'runs/b');
    expect(code).toBe(2);
    expect(err).toBe('rlvr train: --output_dir: gives runs/b, but the run directory was already given as runs/a; give one (see: rlvr train --help)\n');
  });

  test('--fields shows the TRL flags, and says why a TRL name is none', async () => {
    const { code, out } = await train('--fields');
    expect(code).toBe(0);
    expect(out).toContain('| `optim.lr` | `--lr` `--learning_rate` |');
    expect(out).toContain('| `sampling.groupSize` | `--group-size` `--num_generations` |');
    expect(out).toContain('| `ppo.epsLow` | `--eps-low` `--epsilon` |');
    expect(out).toMatch(/\| per_device_train_batch_size \(no flag here: in TRL it also sizes the batch of each optimizer step/);
  });
});
