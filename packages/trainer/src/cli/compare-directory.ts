/**
 * `rlvr compare --out`: the comparison replaces the unfinished run folders under OUT/runs, so OUT must
 * be missing, empty or an earlier comparison's. Any entry no comparison writes (a file of its own,
 * a figure, `runs/GROUP/seed-N` with its log and config, a run's files) is refused before any run, so
 * an unrelated folder given as --out never loses a subfolder.
 */
import { join } from 'node:path';
import { CliError } from './cli-error.js';
import { entriesOf, foreignEntry, isFileOrTemp } from './clear-directory.js';
import { runFiles } from './run-directory.js';

/** The files a comparison writes at the top of OUT besides its figures. */
const COMPARE_FILES = ['results.md', 'results.json', 'sweep.md', 'sweep.json', 'theory.md'];
/** A figure, or its temporary file while it is written. */
const FIGURE = /\.svg(\.tmp-.*)?$/;
/** What a comparison writes in OUT/runs/GROUP: a run folder, and with --parallel its log and config. */
const SEED_ENTRY = /^seed-\d+(\.log|\.config\.json(\.tmp-.*)?)?$/;

/** The first path under `out` that no comparison writes, or undefined (also when `out` does not exist). */
export function foreignCompareEntry(out: string): string | undefined {
  for (const name of entriesOf(out)) {
    if (name === '.') return out;
    if (name === 'runs') {
      const inner = foreignRunsEntry(join(out, name));
      if (inner !== undefined) return inner;
    } else if (!isFileOrTemp(name, COMPARE_FILES) && !FIGURE.test(name)) {
      return join(out, name);
    }
  }
  return undefined;
}

/** The first path under OUT/runs that is not GROUP/seed-N (with its log and config) holding only run files. */
function foreignRunsEntry(runs: string): string | undefined {
  for (const group of entriesOf(runs)) {
    if (group === '.') return runs;
    for (const entry of entriesOf(join(runs, group))) {
      if (entry === '.') return join(runs, group);
      const path = join(runs, group, entry);
      if (!SEED_ENTRY.test(entry)) return path;
      if (/^seed-\d+$/.test(entry)) {
        const inner = foreignEntry(path, runFiles());
        if (inner !== undefined) return inner;
      }
    }
  }
  return undefined;
}

/** Refuse (exit 2) an existing --out that holds anything a comparison does not write. Call before any run. */
export function refuseForeignCompareOut(out: string): void {
  const foreign = foreignCompareEntry(out);
  if (foreign === undefined) return;
  throw new CliError(
    '--out',
    `${out} holds ${foreign}, which rlvr compare does not write; a comparison replaces unfinished runs under OUT/runs, so --out must be missing, empty or an earlier comparison's: choose another path`,
  );
}
