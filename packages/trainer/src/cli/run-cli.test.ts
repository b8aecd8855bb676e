import { WeightsError } from '@rlvr/weights';
import { COMMANDS } from '../commands/index.js';
import { captureIo } from '../testing/capture-io.js';
import { CliError, toCliError } from './cli-error.js';
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

  test('no command: exit 2 and one line', async () => {
    const { code, out, err } = await run([]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe('rlvr: missing command; expected one of demo, weights, theory, verify, generate, train, eval, pretrain, report, compare (see: rlvr --help)\n');
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

  test('a command that is not the user’s fault fails with exit 1 and one line, no stack', async () => {
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
