import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';

/** One flag of a command: its kind, its value placeholder and one line of help. */
export interface OptionSpec {
  /** `string` flags take a value (`--rho0 0.025` or `--rho0=0.025`); `boolean` flags take none. */
  readonly type: 'string' | 'boolean';
  /** Placeholder shown in help, e.g. `M`. */
  readonly value?: string;
  /** One line of help. */
  readonly description: string;
  /** Whether the command refuses to run without it. */
  readonly required?: boolean;
  /** A one-letter alias, e.g. `n` for `-n 4`. */
  readonly short?: string;
}

/** A command's flags by long name (without the leading `--`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed flags: strings for `string` flags, `true` for `boolean` flags that were given. */
export type ParsedOptions<S extends OptionSpecs> = {
  [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : string;
};

/** The outcome of {@link parseOptions}: either a help request or the parsed flags. */
export type ParseResult<S extends OptionSpecs> = { help: true } | { help: false; values: ParsedOptions<S> };

/**
 * Parse `args` against `specs` with node:util's parseArgs. Non-strict mode plus our own checks over
 * its tokens, because strict mode's messages are long, mention internals, and reject a value that
 * starts with a dash (`--rewards -1,0` should reach the rewards check and be refused *there*).
 * Every problem is a {@link CliError} that names the flag.
 */
export function parseOptions<S extends OptionSpecs>(args: readonly string[], specs: S): ParseResult<S> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((token) => token.kind === 'option' && token.name === 'help')) return { help: true };

  const values: Record<string, string | boolean> = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      throw new CliError(
        undefined,
        `unexpected argument ${JSON.stringify(token.value)}; every input is given as --flag VALUE`,
      );
    }
    const spec = specs[token.name];
    if (spec === undefined) {
      throw new CliError(
        token.rawName,
        `unknown option; expected one of ${Object.keys(specs)
          .map((n) => `--${n}`)
          .join(', ')}, --help`,
      );
    }
    const flag = `--${token.name}`;
    if (token.name in values) throw new CliError(flag, 'given more than once');
    if (spec.type === 'boolean') {
      if (token.inlineValue) throw new CliError(flag, 'takes no value');
      values[token.name] = true;
      continue;
    }
    // Without an inline value parseArgs takes the next word whatever it is; a word that is itself a
    // long flag means the value was forgotten (`--rewards --group-size 4`).
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      throw new CliError(flag, `expects a value (${spec.value ?? 'VALUE'})`);
    }
    values[token.name] = token.value;
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && !(name in values)) {
      throw new CliError(
        `--${name}`,
        `missing, and required: ${spec.value ?? 'VALUE'} = ${lowerFirst(spec.description)}`,
      );
    }
  }
  return { help: false, values: values as ParsedOptions<S> };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The help text of a command: usage line, description, and its flags aligned in a column. */
export function formatHelp(
  command: string,
  description: string,
  specs: OptionSpecs,
  examples: readonly string[] = [],
): string {
  const flags = Object.entries(specs).map(([name, spec]) => {
    const left = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    return [left, `${spec.description}${spec.required ? ' (required)' : ''}`] as const;
  });
  flags.push(['-h, --help', 'Print this help.']);
  const width = Math.max(...flags.map(([left]) => left.length));
  const usage = Object.entries(specs)
    .map(([name, spec]) => {
      const word = `--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
      return spec.required ? word : `[${word}]`;
    })
    .join(' ');
  const lines = [`Usage: rlvr ${command} ${usage}`, '', description, '', 'Options:'];
  for (const [left, right] of flags) lines.push(`  ${left.padEnd(width)}  ${right}`);
  if (examples.length > 0) lines.push('', 'Examples:', ...examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

/** Decimal numbers only: `Number()` would also accept `''`, `0x10`, `1_0` and whitespace. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
/** Words that name a non-finite value, refused with a clearer message than "not a number". */
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** Parse a finite decimal number or throw a {@link CliError} naming `flag` (`what` prefixes the message). */
export function parseNumber(flag: string, text: string, what = ''): number {
  const trimmed = text.trim();
  if (NON_FINITE.test(trimmed)) throw new CliError(flag, `${what}expected a finite number, got ${trimmed}`);
  if (!DECIMAL.test(trimmed)) throw new CliError(flag, `${what}expected a number, got ${JSON.stringify(text)}`);
  const value = Number(trimmed);
  // A literal such as 1e999 parses to Infinity.
  if (!Number.isFinite(value)) throw new CliError(flag, `${what}expected a finite number, got ${trimmed}`);
  return value;
}

/** Parse an integer ≥ `min` or throw a {@link CliError} naming `flag`. */
export function parseInteger(flag: string, text: string, min: number): number {
  const value = parseNumber(flag, text);
  if (!Number.isInteger(value) || value < min) {
    throw new CliError(flag, `expected an integer ≥ ${min}, got ${text.trim()}`);
  }
  return value;
}

/** Parse a probability strictly between 0 and 1 or throw a {@link CliError} naming `flag`. */
export function parseOpenUnit(flag: string, text: string): number {
  const value = parseNumber(flag, text);
  if (!(value > 0 && value < 1)) {
    throw new CliError(flag, `expected a number strictly between 0 and 1, got ${text.trim()}`);
  }
  return value;
}

/** Parse one of `choices` or throw a {@link CliError} naming `flag` and listing them. */
export function parseChoice<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new CliError(flag, `expected one of ${choices.join(', ')}, got ${JSON.stringify(text)}`);
}
