/**
 * Every number of a metrics record as a flat list of dotted paths (`loss`, `phaseSeconds.sample`,
 * `passAtK.8`, `rhoHistogram.2`, `rewards.format`), so that the TensorBoard scalars and the report's
 * charts follow whatever fields a record holds, new ones included, without a list to keep in step.
 */

/** Fields that identify a record rather than measure anything. */
const IDENTITY_FIELDS: ReadonlySet<string> = new Set(['kind', 'step']);

/** One number of a record and its dotted path. */
export interface NumericField {
  /** Dotted path into the record (array items by index). */
  path: string;
  value: number;
}

/** The finite numbers of `record`, depth first in field order, `kind` and `step` left out. */
export function numericFields(record: object): NumericField[] {
  const out: NumericField[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'number') {
      if (Number.isFinite(value)) out.push({ path, value });
    } else if (typeof value === 'boolean') {
      // A flag is a 0/1 series (TensorBoard has no boolean scalar).
      out.push({ path, value: value ? 1 : 0 });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}.${i}`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, path === '' ? key : `${path}.${key}`);
    }
  };
  for (const [key, value] of Object.entries(record)) if (!IDENTITY_FIELDS.has(key)) walk(value, key);
  return out;
}
