import { readFileSync } from 'node:fs';
import { CoreError } from '@rlvr/core';
import { KernelOptionError, NonFiniteGradientError } from '@rlvr/kernels';
import { GenerationError, SamplerError } from '@rlvr/sampler';
import { WeightsError } from '@rlvr/weights';
import { COMMANDS } from '../commands/index.js';
import { ConfigError, ConfigFileError } from '../config/config-error.js';
import { DivergenceError, InterruptedError, StorageError, TrainerError } from '../errors.js';
import { MetricsError } from '../metrics/metrics-error.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { DatasetError } from '../tasks/dataset-error.js';
import { captureIo } from '../testing/capture-io.js';
import { CliError, EXIT_CODES, exitCodeOf, toCliError } from './cli-error.js';
import type { Command } from './command.js';
import { runCli } from './run-cli.js';

async function run(argv: string[], commands?: readonly Command[]) {
  const io = captureIo();
  const code = await runCli(argv, io, commands);
  return { code, out: io.out(), err: io.err() };
}

describe('runCli: dispatch and help', () => {
  test.each([['--help'], ['-h'], ['help']])('rlvr %s lists every command on stdout', async (flag) => {
    const { code, out, err } = await run([flag]);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/^rlvr: /);
    expect(out).toContain('Usage: rlvr <command> [options]');
    for (const command of COMMANDS) expect(out).toMatch(new RegExp(`^  ${command.name}\\s+\\S`, 'm'));
  });

  test.each(COMMANDS.map((c) => [c.name]))('rlvr %s --help prints the usage with every flag', async (name) => {
    const viaFlag = await run([name, '--help']);
    const viaShort = await run([name, '-h', '--ignored-after-help']);
    const viaHelp = await run(['help', name]);
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.out).toMatch(new RegExp(`^Usage: rlvr ${name} `));
    expect(viaFlag.out).toContain('--help');
    expect(viaShort).toEqual(viaFlag);
    expect(viaHelp).toEqual(viaFlag);
  });

  test('the weights usage names its flags', async () => {
    const { out } = await run(['weights', '--help']);
    for (const flag of ['--weighting NAME', '--group-size M', '--rewards', '--zero-variance MODE', 'linear-r', 'Examples:']) expect(out).toContain(flag);
  });

  test.each([['--version'], ['-V']])('rlvr %s prints the package version on stdout', async (flag) => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, out, err } = await run([flag]);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toBe(`${pkg.version}\n`);
    expect(out).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('no command: exit 2 and one line', async () => {
    const { code, out, err } = await run([]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe('rlvr: missing command; expected one of demo, weights, theory, verify, generate, train, eval, merge, pretrain, report, compare, serve, worker, workers (see: rlvr --help)\n');
  });

  test.each([
    ['dmeo', /unknown command "dmeo"/],
    ['help dmeo', /unknown command "dmeo"/],
    ['--verbose', /unknown option "--verbose"/],
  ])('rlvr %s: exit 2 with a message', async (argv, message) => {
    const { code, out, err } = await run(argv.split(' '));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err).toContain('expected one of demo, weights, theory, verify');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });

  test('a command that is not the user’s fault that is no error of the table is a bug: exit 1 and one line, no stack', async () => {
    const broken: Command = {
      name: 'broken',
      summary: 'Always fails.',
      help: () => 'Usage: rlvr broken\n',
      run: async () => {
        throw new Error('disk on fire\nsecond line');
      },
    };
    const { code, err } = await run(['broken'], [broken]);
    expect(code).toBe(1);
    expect(err).toBe('rlvr broken: unexpected error: disk on fire second line\n');
  });

  test('a CliError with its own exit code keeps it and gets no usage hint', async () => {
    const failing: Command = {
      name: 'write',
      summary: 'Fails to write.',
      help: () => '',
      run: async () => {
        throw new CliError('--out', 'cannot write', 1);
      },
    };
    const { code, err } = await run(['write'], [failing]);
    expect(code).toBe(1);
    expect(err).toBe('rlvr write: --out: cannot write\n');
  });
});

describe('toCliError: library argument names → flags', () => {
  test.each([
    ['groupSize', 'expected an integer ≥ 2, got 1', '--group-size: expected an integer ≥ 2, got 1'],
    ['zeroVariance', 'expected one of …', '--zero-variance: expected one of …'],
    ['binarizeThreshold', 'expected a finite number', '--binarize: expected a finite number'],
    ['weighting.threshold', 'grpo takes no parameter', '--threshold: grpo takes no parameter'],
    ['rewards[4]', 'expected a reward in [0, 1]', '--rewards: entry 5: expected a reward in [0, 1]'],
    ['rho0', 'expected a success probability', '--rho0: expected a success probability'],
    ['somethingNew', 'bad', 'somethingNew: bad'],
  ])('%s', (argument, detail, message) => {
    const mapped = toCliError(new WeightsError(argument, detail));
    expect(mapped).toBeInstanceOf(CliError);
    expect((mapped as CliError).message).toBe(message);
    expect((mapped as CliError).exitCode).toBe(2);
  });

  test('other errors pass through unchanged', () => {
    const error = new TypeError('x');
    expect(toCliError(error)).toBe(error);
  });
});

describe('EXIT_CODES: the one table of exit codes', () => {
  test.each([
    [new ConfigError('optim.lr', 'expected a number > 0, got -1'), 2, 'optim.lr: expected a number > 0, got -1'],
    [new GenerationError('temperature: expected ≥ 0'), 2, 'temperature: expected ≥ 0'],
    [new ConfigFileError('c.json', Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR' })), 3, 'cannot read config file c.json: is a directory (EISDIR)'],
    [new DivergenceError('step 2: non-finite loss (NaN)'), 5, 'step 2: non-finite loss (NaN)'],
    [new DatasetError('train.jsonl', 3, 'bad JSON'), 3, 'train.jsonl:3: bad JSON'],
    [new CheckpointError('run/checkpoints/step-1', 'missing state.json'), 3, 'run/checkpoints/step-1: missing state.json'],
    [new SamplerError('model.onnx: not found'), 3, 'model.onnx: not found'],
    [new KernelOptionError('adamw: beta1 must be in [0, 1), got 1'), 3, 'adamw: beta1 must be in [0, 1), got 1'],
    [new CoreError('config.json: bad'), 3, 'config.json: bad'],
    [new CheckpointError('run', 'nothing to resume (--resume): no checkpoint in run/checkpoints'), 3, 'run: nothing to resume (--resume): no checkpoint in run/checkpoints'],
    [new ConfigError('model.path', 'unknown embedded model "x"'), 2, 'model.path: unknown embedded model "x"'],
    [new MetricsError('passAtK', 'evaluate: pass@8 needs an integer k with 1 ≤ k ≤ samples = 4'), 3, 'passAtK: evaluate: pass@8 needs an integer k with 1 ≤ k ≤ samples = 4'],
    [new TrainerError('microBatchSize must be an integer ≥ 1, got 0'), 3, 'microBatchSize must be an integer ≥ 1, got 0'],
    [
      new StorageError('run/metrics.jsonl', 'append', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), 'the line of step 3 was not written'),
      4,
      'cannot append run/metrics.jsonl: no space left on the device (ENOSPC); the line of step 3 was not written',
    ],
    [Object.assign(new Error("EROFS: read-only file system, open 'out/x'"), { code: 'EROFS', syscall: 'open' }), 4, "storage: EROFS: read-only file system, open 'out/x'"],
    [new InterruptedError('SIGINT', 'interrupted'), 130, 'interrupted'],
    [new InterruptedError('SIGTERM', 'terminated'), 143, 'terminated'],
  ])('%s → exit %i, message kept', (error, code, message) => {
    const mapped = toCliError(error);
    expect(mapped).toBeInstanceOf(CliError);
    expect((mapped as CliError).exitCode).toBe(code);
    expect((mapped as CliError).message).toBe(message);
    expect(exitCodeOf(error)).toBe(code);
  });

  test('a subclass row comes before its base row', () => {
    const names = EXIT_CODES.map((r) => r.name);
    expect(names.indexOf('DivergenceError')).toBeLessThan(names.indexOf('TrainerError'));
    expect(names.indexOf('GenerationError')).toBeLessThan(names.indexOf('SamplerError'));
  });

  test('a non-finite gradient from the kernels is a divergence', () => {
    expect(exitCodeOf(new NonFiniteGradientError('grad-norm: gradient norm is NaN'))).toBe(5);
  });

  test('an error of no row is unexpected: passed through, exit 1', () => {
    const error = new TypeError('x');
    expect(toCliError(error)).toBe(error);
    expect(exitCodeOf(error)).toBe(1);
  });

  test('a RangeError is unexpected (a bug): no package throws one for user input', () => {
    const error = new RangeError('Invalid array length');
    expect(toCliError(error)).toBe(error);
    expect(EXIT_CODES.map((r) => r.name)).not.toContain('RangeError');
  });

  test('a ConfigError from a command is one line with the usage hint, exit 2', async () => {
    const failing: Command = {
      name: 'cfg',
      summary: 'Bad config.',
      help: () => '',
      run: async () => {
        throw new ConfigError('sampling.groupSize', 'expected an integer ≥ 2, got 1');
      },
    };
    const { code, err } = await run(['cfg'], [failing]);
    expect(code).toBe(2);
    expect(err).toBe('rlvr cfg: sampling.groupSize: expected an integer ≥ 2, got 1 (see: rlvr cfg --help)\n');
  });
});
