/**
 * An output path must never be one of the command's inputs: writing the output would destroy what it
 * is computed from (a results file written over its own input reads as an empty, successful run). Two
 * paths are the same file when they have the same device and inode (so a hard link or a symbolic link
 * to the input counts), and, while the output does not exist yet, when they resolve to the same path.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { CliError } from './cli-error.js';

/** A path a command reads or writes, with the flag (or config field) that named it. */
export interface NamedPath {
  /** How the user named it: `--input`, `--out`, `model.path`, … */
  readonly flag: string;
  /** The path as given. */
  readonly path: string;
}

/** `statSync` that answers undefined for a path that cannot be statted (missing, a dangling link, no permission). */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The absolute path of `path` with symbolic links resolved as far as it exists; the missing tail is
 * appended as it is (so a file about to be created resolves where it will be).
 */
export function resolvedPath(path: string): string {
  const absolute = resolve(path);
  const tail: string[] = [];
  let head = absolute;
  for (;;) {
    try {
      return join(realpathSync(head), ...tail.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return absolute;
      tail.push(basename(head));
      head = parent;
    }
  }
}

/** Whether `a` and `b` are the same file: same inode when both exist, else the same resolved path. */
export function sameFile(a: string, b: string): boolean {
  const sa = statOrUndefined(a);
  const sb = statOrUndefined(b);
  if (sa !== undefined && sb !== undefined) return sa.dev === sb.dev && sa.ino === sb.ino;
  return resolvedPath(a) === resolvedPath(b);
}

/** Whether `inner` is `outer` or lies inside it, both resolved through symbolic links. */
export function isWithin(inner: string, outer: string): boolean {
  if (sameFile(inner, outer)) return true;
  const rel = relative(resolvedPath(outer), resolvedPath(inner));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel));
}

/** Refuse (usage error, exit 2) an output file that is one of `inputs`; one line naming both flags. */
export function refuseOutputOverInput(output: NamedPath, inputs: readonly NamedPath[]): void {
  for (const input of inputs) {
    if (sameFile(output.path, input.path)) {
      throw new CliError(
        output.flag,
        `${output.path} is the same file as ${input.flag} ${input.path}; writing it would destroy the input: choose another path`,
      );
    }
  }
}

/**
 * Refuse (usage error) an output directory that is, lies inside or contains one of `protectedDirs`
 * (directories the command only reads, such as a model directory): nothing may be written into them.
 */
export function refuseDirectoryOverlap(output: NamedPath, protectedDirs: readonly NamedPath[], why: string): void {
  for (const dir of protectedDirs) {
    const relation = sameFile(output.path, dir.path)
      ? 'is'
      : isWithin(output.path, dir.path)
        ? 'is inside'
        : isWithin(dir.path, output.path)
          ? 'contains'
          : undefined;
    if (relation !== undefined) {
      throw new CliError(
        output.flag,
        `${output.path} ${relation} ${dir.flag} ${dir.path}; ${why}: choose another path`,
      );
    }
  }
}
