/** The error every `config.json` check throws (its own module so the config's sub-parsers share it without a cycle). */
import { CoreError } from '../errors.js';

/** A `config.json` key with a wrong type or an inconsistent value; names the key, the value and what is allowed. */
export class ConfigError extends CoreError {
  override readonly name = 'ConfigError';
  /** Creates the error for `key` holding `value`. */
  constructor(
    readonly key: string,
    readonly value: unknown,
    allowed: string,
  ) {
    super(`config.json: ${key} = ${JSON.stringify(value) ?? String(value)} is invalid; allowed: ${allowed}`);
  }
}
