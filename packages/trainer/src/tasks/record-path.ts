/**
 * Dotted paths into dataset records (`reward_model.ground_truth`, `extra_info.question`,
 * `prompt.0.content`), as `task.fields` names them: object keys, and whole-number segments for list
 * items, so that nested parquet columns (structs, lists) and nested JSON read alike.
 */

/** What a path finds in a record: its value, or the prefix at which it stops. */
export type PathLookup = { found: true; value: unknown } | { found: false; missing: string };

/** The value at `path` in `record`; `null` and absent values count as missing (parquet writes absent as null). */
export function readPath(record: unknown, path: string): PathLookup {
  let value: unknown = record;
  const segments = path.split('.');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const container = value;
    value = undefined;
    if (Array.isArray(container) && /^\d+$/.test(segment)) value = container[Number(segment)];
    else if (typeof container === 'object' && container !== null && !Array.isArray(container)) {
      if (Object.hasOwn(container, segment)) value = (container as Record<string, unknown>)[segment];
    }
    if (value === undefined || value === null) return { found: false, missing: segments.slice(0, i + 1).join('.') };
  }
  return { found: true, value };
}

/** The first of `paths` that `record` holds, or null. `''` stands for the record itself. */
export function firstPresent(
  record: Record<string, unknown>,
  paths: readonly string[],
): { path: string; value: unknown } | null {
  for (const path of paths) {
    if (path === '') return { path, value: record };
    const lookup = readPath(record, path);
    if (lookup.found) return { path, value: lookup.value };
  }
  return null;
}

/** How many leaf paths {@link leafPaths} lists before it cuts the list short. */
const LEAF_PATHS_SHOWN = 12;

/**
 * The dotted paths of a record's fields, nested objects opened (lists are not: `prompt`, not
 * `prompt.0.role`), for messages that say what a record does hold.
 */
export function leafPaths(record: Record<string, unknown>): string[] {
  const paths: string[] = [];
  const visit = (value: unknown, prefix: string) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
      const entries = Object.entries(value);
      if (entries.length > 0 || prefix === '') {
        for (const [key, item] of entries) visit(item, prefix === '' ? key : `${prefix}.${key}`);
        return;
      }
    }
    paths.push(prefix);
  };
  visit(record, '');
  return paths.length > LEAF_PATHS_SHOWN ? [...paths.slice(0, LEAF_PATHS_SHOWN), '…'] : paths;
}
