/** The configurations of several runs side by side: flattened to dotted paths, differences first. */

/** `{a: {b: 1}}` → `{"a.b": "1"}` (leaf values as JSON). */
export function flattenConfig(config: unknown, prefix = ''): Record<string, string> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    return { [prefix || '(config)']: JSON.stringify(config) ?? 'undefined' };
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      Object.assign(out, flattenConfig(value, path));
    } else out[path] = JSON.stringify(value) ?? 'undefined';
  }
  return out;
}

/** One row of the comparison: a field and its value in each run (`null` where a run lacks it). */
export interface ConfigRow {
  field: string;
  values: (string | null)[];
  /** True when not every run has the same value. */
  differs: boolean;
}

/** Every field of any run's config, with each run's value; fields that differ come first, each group in path order. */
export function configRows(configs: readonly unknown[]): ConfigRow[] {
  const flat = configs.map((c) => (c === null || c === undefined ? {} : flattenConfig(c)));
  const fields = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const rows = fields.map((field) => {
    const values = flat.map((f) => f[field] ?? null);
    return { field, values, differs: new Set(values).size > 1 };
  });
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
}
