/**
 * `--overwrite` of an output directory: remove only the files the command itself writes there, and
 * refuse (naming one) when the directory holds anything else, or a file the command reads, so that a
 * mistyped `--out` never deletes someone's work.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withStorage } from '../errors.js';
import { CliError } from './cli-error.js';
import { isWithin, type NamedPath } from './output-paths.js';

/** Which entries of an output directory a command writes. */
export interface OwnFiles {
  /** Whether `relative` (`config.json`, `checkpoints/step-3`) is one of them. */
  readonly isOwn: (relative: string) => boolean;
  /** Folders whose entries are checked one by one too (`checkpoints`). */
  readonly nested?: readonly string[];
}

/** Entries of `dir`: none when it does not exist, `['.']` when it is not a folder. */
export function entriesOf(dir: string): string[] {
  const stats = statSync(dir, { throwIfNoEntry: false });
  if (stats === undefined) return [];
  if (!stats.isDirectory()) return ['.'];
  return withStorage(dir, 'read', () => readdirSync(dir), 'nothing was written');
}

/** The same name with a temporary suffix of an atomic write (`config.json.tmp-…`) is the file's too. */
export function isFileOrTemp(name: string, files: readonly string[]): boolean {
  return files.some((file) => name === file || name.startsWith(`${file}.tmp-`));
}

/** The first path under `dir` that the command does not write, or undefined. */
export function foreignEntry(dir: string, own: OwnFiles): string | undefined {
  for (const name of entriesOf(dir)) {
    if (!own.isOwn(name)) return join(dir, name);
    if (own.nested?.includes(name)) {
      const inner = entriesOf(join(dir, name)).find((entry) => !own.isOwn(`${name}/${entry}`));
      if (inner !== undefined) return join(dir, name, inner);
    }
  }
  return undefined;
}

/** Remove the command's own files from `dir.path`; refuse (exit 2) when it holds anything else or one of `inputs`. */
export function clearOwnFiles(dir: NamedPath, own: OwnFiles, inputs: readonly NamedPath[] = []): void {
  const foreign = foreignEntry(dir.path, own);
  if (foreign !== undefined) {
    throw new CliError(
      '--overwrite',
      `${dir.path} holds ${foreign}, which this command does not write; refusing to clear it: choose another ${dir.flag} or remove it yourself`,
    );
  }
  const input = inputs.find((i) => isWithin(i.path, dir.path));
  if (input !== undefined) {
    throw new CliError(
      '--overwrite',
      `${input.flag} ${input.path} is inside ${dir.path}, which --overwrite would clear`,
    );
  }
  for (const name of entriesOf(dir.path)) {
    const path = join(dir.path, name);
    withStorage(path, 'remove', () => rmSync(path, { recursive: true, force: true }), `${dir.path} is partly cleared`);
  }
}
