import { CliError } from './cli-error.js';
import { formatHelp, parseInteger, parseNumber, parseOpenUnit, parseOptions } from './parse-options.js';

const SPECS = {
  name: { type: 'string', value: 'NAME', required: true, description: 'A name.' },
  count: { type: 'string', value: 'N', description: 'A count.' },
  json: { type: 'boolean', description: 'JSON output.' },
} as const;

/** The CliError that `fn` throws. */
function thrown(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('expected a CliError');
}

describe('parseOptions', () => {
  test('string and boolean flags, inline values, and a value that starts with one dash', () => {
    expect(parseOptions(['--name', 'a', '--count=-3', '--json'], SPECS)).toEqual({ help: false, values: { name: 'a', count: '-3', json: true } });
    expect(parseOptions(['--name', '-1,0'], SPECS)).toEqual({ help: false, values: { name: '-1,0' } });
  });

  test('--help wins over everything else, even bad flags', () => {
    expect(parseOptions(['--nope', '-h'], SPECS)).toEqual({ help: true });
  });

  test.each([
    [['--name', 'a', '--colour', 'red'], '--colour', /unknown option; expected one of --name, --count, --json, --help/],
    [['--name', 'a', '-x'], '-x', /unknown option/],
    [['--count', '3'], '--name', /missing, and required: NAME = a name/],
    [['--name'], '--name', /expects a value \(NAME\)/],
    [['--name', '--json'], '--name', /expects a value/],
    [['--name', 'a', '--json=false'], '--json', /takes no value/],
    [['--name', 'a', '--name', 'b'], '--name', /more than once/],
    [['--name', 'a', 'b'], undefined, /unexpected argument "b"/],
  ])('%j is refused', (args, flag, message) => {
    const error = thrown(() => parseOptions(args, SPECS));
    expect(error.flag).toBe(flag);
    expect(error.message).toMatch(message);
  });

  test('formatHelp aligns flags and marks the required ones', () => {
    const help = formatHelp('demo', 'Does things.', SPECS, ['rlvr demo --name x']);
    expect(help).toContain('Usage: rlvr demo --name NAME [--count N] [--json]');
    expect(help).toContain('  --name NAME  A name. (required)\n');
    expect(help).toContain('  --json       JSON output.\n');
    expect(help).toContain('  -h, --help   Print this help.\n');
    expect(help).toContain('Examples:\n  rlvr demo --name x\n');
  });
});

describe('number parsing', () => {
  test.each([
    ['0.025', 0.025],
    ['1e-3', 0.001],
    ['+2', 2],
    ['.5', 0.5],
    [' 3 ', 3],
  ])('parseNumber(%j) = %d', (text, value) => {
    expect(parseNumber('--x', text)).toBe(value);
  });

  test.each([
    ['', /expected a number, got ""/],
    ['abc', /expected a number, got "abc"/],
    ['0x10', /expected a number/],
    ['1_000', /expected a number/],
    ['NaN', /expected a finite number, got NaN/],
    ['-Infinity', /finite/],
    ['1e400', /finite/],
  ])('parseNumber(%j) is refused', (text, message) => {
    expect(thrown(() => parseNumber('--x', text)).message).toMatch(message);
  });

  test('parseInteger and parseOpenUnit name the flag', () => {
    expect(parseInteger('--group-size', '16', 2)).toBe(16);
    expect(thrown(() => parseInteger('--group-size', '1', 2)).message).toBe('--group-size: expected an integer ≥ 2, got 1');
    expect(thrown(() => parseInteger('--group-size', '3.5', 2)).message).toBe('--group-size: expected an integer ≥ 2, got 3.5');
    expect(parseOpenUnit('--rho0', '0.5')).toBe(0.5);
    for (const bad of ['0', '1', '-0.1', '1.5']) expect(thrown(() => parseOpenUnit('--rho0', bad)).flag).toBe('--rho0');
  });
});
