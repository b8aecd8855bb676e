/** Reading and writing a value at a path of a plain object tree (a parsed config file). */

/** Set `value` at `path` in a plain object tree, creating objects on the way (never mutates `target`'s nested objects in place). */
export function setPath(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return { ...target, [head]: value };
  const child = target[head];
  const base =
    typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
  return { ...target, [head]: setPath(base, rest, value) };
}

/** The value at `path` in a plain object tree, or undefined where there is none. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
