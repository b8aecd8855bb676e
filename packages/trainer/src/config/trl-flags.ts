/**
 * TRL's option names as flags of `rlvr train` (`--learning_rate`, `--num_generations`, `--beta`), taken
 * from the `trl` name each schema field records, so that a field added to the schema with a TRL name
 * gets its flag without a list to keep. A name becomes a flag only where it means the same here.
 */
import type { ConfigField } from './fields.js';

/** A TRL option name that can be typed as a flag: snake_case words, not a description or a path such as `peft_config.r`. */
const TRL_OPTION = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/**
 * Flag (without `--`) → field for every TRL option name, in TRL's spelling and with dashes (transformers'
 * HfArgumentParser accepts both: `--learning_rate`, `--learning-rate`). A name is left out when its
 * field declares that TRL's option means something else there (`trlNotAlias`), and when several fields
 * record it: it would not say which one it sets.
 */
export function trlFlags(fields: readonly ConfigField[]): Map<string, ConfigField> {
  const owners = new Map<string, ConfigField[]>();
  for (const f of fields) {
    if (f.trl !== null && TRL_OPTION.test(f.trl)) owners.set(f.trl, [...(owners.get(f.trl) ?? []), f]);
  }
  const flags = new Map<string, ConfigField>();
  for (const [name, [f, ...others]] of owners) {
    if (others.length > 0 || f!.trlNotAlias !== undefined) continue;
    flags.set(name, f!);
    flags.set(name.replace(/_/g, '-'), f!);
  }
  return flags;
}

/**
 * Why a TRL option name sets nothing here, for the message that refuses it: the field whose TRL option
 * means something else (and the flag that sets that field), or the fields that share the name; `''`
 * when `name` is no TRL name of any field.
 */
export function trlNameNote(fields: readonly ConfigField[], name: string): string {
  const owners = fields.filter((f) => f.trl === name.replace(/-/g, '_'));
  if (owners.length === 0) return '';
  if (owners.length > 1) {
    return `; TRL’s ${owners[0]!.trl} is recorded on ${owners.map((f) => f.name).join(', ')}: give one by its path`;
  }
  const [f] = owners;
  return f!.trlNotAlias === undefined ? '' : `; TRL’s ${f!.trl} sets nothing here (${f!.name}: ${f!.trlNotAlias})`;
}
