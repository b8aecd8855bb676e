/**
 * Reading a training configuration: JSON or YAML file → CLI-style overrides on top → schema validation.
 * Every problem with a config is a {@link ConfigError} raised before any work (a file that cannot be read
 * is a {@link ConfigFileError}), naming the field, the value given
 * (and where it came from: the file or a flag) and what the field allows.
 */
import { readFile } from 'node:fs/promises';
import type * as z from 'zod';
import { ConfigError, ConfigFileError } from './config-error.js';
import { parseConfigText, type ConfigFormat } from './config-file.js';
import { setPath, valueAt } from './object-paths.js';
import { trlNameNote } from './trl-flags.js';
import { moveTrlKeys } from './trl-keys.js';
import { configFields, flagFields, objectKeys, type ConfigField } from './fields.js';
import { TRAIN_CONFIG_SCHEMA, type TrainConfig } from './schema.js';

/** One parsed override: which field, the string given, and the flag as typed. */
export interface ConfigOverride {
  /** The field it sets. */
  field: ConfigField;
  /** The value as typed. */
  raw: string;
  /** The flag as typed, e.g. `--lr`. */
  flag: string;
}

/** Decimal numbers only (as the CLI's number parser): no hex, no `1_0`, no empty string. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Parse CLI-style overrides: `--lr 1e-6`, `--weighting=sqrt-r`, `--optim.lr 1e-6`,
 * `--sampling.max-new-tokens 128`, TRL's `--learning_rate 1e-6`. An unknown flag, a missing value or
 * two flags that set one field to different values is a {@link ConfigError}.
 */
export function parseOverrides(args: readonly string[]): ConfigOverride[] {
  const table = flagFields();
  const overrides: ConfigOverride[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      throw new ConfigError(arg, 'unexpected argument; overrides are --field VALUE (e.g. --lr 1e-6, --optim.lr 1e-6)');
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const field = table.get(name);
    if (field === undefined) {
      throw new ConfigError(
        `--${name}`,
        `unknown config field${suggestion(name)}${trlNameNote(configFields(), name)}; use a dotted path such as --optim.lr or --kl.beta`,
      );
    }
    let raw: string | undefined;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else {
      raw = args[i + 1];
      // A following word that is itself a flag means the value was forgotten (`--lr --seed 1`).
      if (raw === undefined || raw.startsWith('--')) {
        throw new ConfigError(`--${name}`, `expects a value (${field.name})`);
      }
      i++;
    }
    // Two flags for one field (`--lr` and TRL's `--learning_rate`) may agree; if they differ, neither wins.
    const earlier = overrides.find((o) => o.field === field);
    if (earlier === undefined) overrides.push({ field, raw, flag: `--${name}` });
    else if (!sameValue(field, earlier.raw, raw)) {
      throw new ConfigError(
        `--${name}`,
        `sets ${field.name} to ${raw}, but ${earlier.flag} sets it to ${earlier.raw}; give one of them`,
      );
    }
  }
  return overrides;
}

/** Whether two override strings give `field` the same value (`1e-6` and `0.000001` do). */
function sameValue(field: ConfigField, a: string, b: string): boolean {
  return JSON.stringify(overrideValue(field, a)) === JSON.stringify(overrideValue(field, b));
}

function suggestion(name: string): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const flag of flagFields().keys()) {
    const d = editDistance(name.toLowerCase(), flag.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [flag, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, name.length / 4) ? ` (did you mean --${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/**
 * The JSON value of an override string for its field: numbers as decimals, booleans as
 * true/false, arrays as comma-separated numbers, `null` where the field allows it. A string that
 * does not read as the field's kind is passed on as it is, so that the schema reports it with the
 * value the user typed.
 */
export function overrideValue(field: ConfigField, raw: string): unknown {
  const text = raw.trim();
  if (field.nullable && text === 'null') return null;
  switch (field.kind) {
    case 'number':
      return DECIMAL.test(text) ? Number(text) : raw;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : raw;
    case 'array':
      return text === ''
        ? []
        : text.split(',').map((part) => (DECIMAL.test(part.trim()) ? Number(part.trim()) : part.trim()));
    default:
      return raw;
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const ARTICLE: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

/** What a zod issue says the field allows, in plain words. */
function allowed(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${ARTICLE[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const sign = issue.code === 'too_small' ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      if (issue.origin === 'string') return 'expected a non-empty string';
      if (issue.origin === 'array') return `expected ${sign} ${String(bound)} entries`;
      return `expected a number ${sign} ${String(bound)}`;
    }
    default:
      return issue.message;
  }
}

/** Turn zod issues into one {@link ConfigError}: the first problem in full, the others by field name. */
function toConfigError(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  source: (path: readonly PropertyKey[]) => string,
): ConfigError {
  const problems = issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const keys = objectKeys(issue.path.map(String)) ?? [];
      return issue.keys.map((key) => {
        const name = [...issue.path.map(String), key].join('.');
        const note = issue.path.length === 0 ? trlNameNote(configFields(), key) : '';
        return {
          name,
          text: `unknown field${source([...issue.path, key])}${note}; expected one of ${keys.join(', ')}`,
        };
      });
    }
    const name = issue.path.map(String).join('.');
    // A cross-field rule can fail on a value the user never wrote: then the default is what was "given".
    const given = valueAt(input, issue.path) ?? configFields().find((f) => f.name === name)?.defaultValue;
    return [{ name, text: `got ${show(given)}${source(issue.path)}; ${allowed(issue)}` }];
  });
  const [first, ...rest] = problems as [{ name: string; text: string }, ...{ name: string; text: string }[]];
  const more = rest.length === 0 ? '' : ` (and ${rest.length} more: ${rest.map((p) => p.name).join(', ')})`;
  return new ConfigError(first.name, `${first.text}${more}`);
}

/**
 * Validate a parsed config object (plus overrides) and fill in the defaults. `origin` names where
 * the object came from in messages (a file name).
 */
export function parseTrainConfig(
  input: unknown,
  overrides: readonly string[] = [],
  origin = 'the config',
): TrainConfig {
  return validateConfig(input, overrides, origin);
}

/**
 * {@link parseTrainConfig}, with the line of each value in the file (`lineOf`) for messages, and the
 * format's word for the top-level object.
 */
function validateConfig(
  input: unknown,
  overrides: readonly string[],
  origin: string,
  lineOf: (path: readonly PropertyKey[]) => number | undefined = () => undefined,
  format: ConfigFormat = 'json',
): TrainConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const object = format === 'yaml' ? 'a YAML mapping (key: value lines)' : 'a JSON object';
    throw new ConfigError('', `${origin}: expected ${object} at the top level, got ${show(input)}`);
  }
  const moved = moveTrlKeys(input as Record<string, unknown>, origin, lineOf);
  let merged = moved.config;
  const setBy = new Map<string, string>();
  for (const override of parseOverrides(overrides)) {
    merged = setPath(merged, override.field.path, overrideValue(override.field, override.raw));
    setBy.set(override.field.name, override.flag);
  }
  const result = TRAIN_CONFIG_SCHEMA.safeParse(merged);
  if (result.success) return result.data;
  const source = (path: readonly PropertyKey[]) => {
    const name = path.map(String).join('.');
    const flag = setBy.get(name);
    if (flag !== undefined) return ` (from ${flag})`;
    // A value written under TRL's name is placed, and named, where it was written.
    const [field, key] = [...moved.keyOf].find(([f]) => name === f || name.startsWith(`${f}.`)) ?? [];
    const written = key === undefined ? path : [key, ...path.slice(field!.split('.').length)];
    const line = lineOf(written);
    const as = key === undefined ? '' : `, as ${key}`;
    return line === undefined ? ` (in ${origin}${as})` : ` (in ${origin} line ${line}${as})`;
  };
  throw toConfigError(result.error.issues, merged, source);
}

/**
 * Load and validate a training configuration: the JSON or YAML `file` (`.yaml`, `.yml`; null =
 * defaults only) with CLI-style `overrides` applied on top (they win). Throws a {@link ConfigFileError}
 * when the file cannot be read, a {@link ConfigError} on any problem with its content, naming the
 * field and, where the file holds it, its line.
 */
export async function loadTrainConfig(file: string | null, overrides: readonly string[] = []): Promise<TrainConfig> {
  if (file === null) return parseTrainConfig({}, overrides, 'the defaults');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(file, error);
  }
  const content = parseConfigText(file, text);
  return validateConfig(content.value, overrides, file, content.lineOf, content.format);
}
