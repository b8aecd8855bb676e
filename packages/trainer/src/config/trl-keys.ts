/**
 * TRL's option names as top-level keys of a config file: TRL's own YAML configs are flat
 * (`learning_rate: 1.0e-6`, `num_generations: 8`), so such a file's keys that are TRL names of a field
 * (trl-flags.ts: the same names `rlvr train` takes as flags) set that field.
 */
import { ConfigError } from './config-error.js';
import { configFields, objectKeys } from './fields.js';
import { setPath, valueAt } from './object-paths.js';
import { trlFlags } from './trl-flags.js';

/** A config with its TRL keys moved to their fields, and which key set which field (for messages). */
export interface MovedTrlKeys {
  /** The config in this project's layout. */
  config: Record<string, unknown>;
  /** Dotted field name → the TRL key that set it. */
  keyOf: Map<string, string>;
}

/**
 * Move the top-level keys of `input` that are TRL option names (in TRL's spelling, and not also a
 * top-level key here, such as `seed`) to the fields they set. A field given both ways with different
 * values is a {@link ConfigError} naming both (`lineOf` places them in the file).
 */
export function moveTrlKeys(
  input: Record<string, unknown>,
  origin: string,
  lineOf: (path: readonly PropertyKey[]) => number | undefined,
): MovedTrlKeys {
  const own = new Set(objectKeys([]) ?? []);
  const trl = trlFlags(configFields());
  let config = input;
  const keyOf = new Map<string, string>();
  for (const [key, value] of Object.entries(input)) {
    const field = trl.get(key);
    if (own.has(key) || field === undefined || field.trl !== key) continue;
    const given = valueAt(input, field.path);
    if (given !== undefined && JSON.stringify(given) !== JSON.stringify(value)) {
      const at = (path: readonly string[]) => (lineOf(path) === undefined ? '' : ` (line ${lineOf(path)})`);
      throw new ConfigError(
        field.name,
        `set twice in ${origin}: ${JSON.stringify(value)} as ${key}${at([key])}, TRL’s name for it, and ${JSON.stringify(given)} as ${field.name}${at(field.path)}; give one of them`,
      );
    }
    const rest = { ...config };
    delete rest[key];
    config = setPath(rest, field.path, value);
    keyOf.set(field.name, key);
  }
  return { config, keyOf };
}
