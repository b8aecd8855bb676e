/**
 * The configuration reference as data: one row per field with its default, meaning and its TRL and
 * verl names. The README table and `rlvr train --help` are rendered from it, so they cannot drift
 * from the schema.
 */
import { configFields, preferredFlag, trlFlag } from './fields.js';

/** One row of the configuration reference. */
export interface ConfigReferenceRow {
  /** Dotted path in the JSON file, e.g. `optim.lr`. */
  field: string;
  /** Shortest CLI override flag, e.g. `--lr`. */
  flag: string;
  /** TRL's option name as a flag, e.g. `--learning_rate`, or null where it is none. */
  trlFlag: string | null;
  /** Default as JSON (`—` when the field is optional and unset by default). */
  defaultValue: string;
  /** What the field does. */
  description: string;
  /** TRL name, or `—`; where the name is no flag because TRL's option means something else, why. */
  trl: string;
  /** verl name, or `—`. */
  verl: string;
}

/** Every field of the training configuration, in schema order. */
export function configReference(): ConfigReferenceRow[] {
  return configFields().map((f) => {
    const flag = preferredFlag(f);
    const trl = trlFlag(f);
    return {
      field: f.name,
      flag: `--${flag}`,
      // `--seed`, `--beta`: TRL's name is already the flag shown.
      trlFlag: trl === null || trl === flag ? null : `--${trl}`,
      defaultValue: f.defaultValue === undefined ? '—' : JSON.stringify(f.defaultValue),
      description: f.description,
      trl: f.trl === null ? '—' : f.trlNotAlias === undefined ? f.trl : `${f.trl} (no flag here: ${f.trlNotAlias})`,
      verl: f.verl ?? '—',
    };
  });
}

/** The reference as a Markdown table (for the README). */
export function configReferenceMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| field | flag | default | meaning | TRL | verl |', '| --- | --- | --- | --- | --- | --- |'];
  for (const r of configReference()) {
    lines.push(
      `| \`${r.field}\` | \`${r.flag}\`${r.trlFlag === null ? '' : ` \`${r.trlFlag}\``} | \`${cell(r.defaultValue)}\` | ${cell(r.description)} | ${cell(r.trl)} | ${cell(r.verl)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
