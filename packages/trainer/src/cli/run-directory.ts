/**
 * What a training command may do with its run directory (`--out` / `--resume`), decided before any
 * work so that a finished run is never mixed with another: a new run goes into a missing or empty
 * directory; a directory holding a run of the same configuration is continued only with `--resume`
 * and restarted only with `--overwrite`; anything else is refused unless `--overwrite`, which removes
 * only the files a run writes and refuses to clear a directory holding anything else. A run directory
 * is never a model directory, inside one, or around one.
 */
import { sameTrainConfig, storedRunConfig } from '../compare/run-plan.js';
import type { TrainConfig } from '../config/index.js';
import { isEventFile } from '../logging/tensorboard-writer.js';
import { RUN_FILES } from '../metrics/index.js';
import { embeddedAssetPath, resolveModelPath } from '../models/embedded.js';
import { CliError } from './cli-error.js';
import { clearOwnFiles, entriesOf, isFileOrTemp, type OwnFiles } from './clear-directory.js';
import { refuseDirectoryOverlap, type NamedPath } from './output-paths.js';
import { requireWritableDir } from './write-output.js';

/**
 * Fields a resumed run may change: `--resume RUN --max-steps N` extends a run and `logging` only adds
 * or drops logs; the rest would change it.
 */
const RESUMABLE_FIELDS: ReadonlySet<string> = new Set(['maxSteps', 'logging']);

/** Folders inside `checkpoints/` that a run writes: finished checkpoints and those being written. */
const CHECKPOINT_ENTRY = /^(step-\d+|\.tmp-step-\d+.*)$/;

/** What {@link prepareRunDirectory} checks. */
export interface RunDirectoryRequest {
  /** The run directory, and the flag that named it (`--out` or `--resume`). */
  readonly dir: NamedPath;
  /** The configuration this invocation would run. */
  readonly config: TrainConfig;
  /** Continue the run in `dir` (`--resume`). */
  readonly resume: boolean;
  /** Clear the run files in `dir` first (`--overwrite`). */
  readonly overwrite: boolean;
  /** Files this command writes into a run directory besides the run's own (the demo's report and summary). */
  readonly extraFiles?: readonly string[];
  /** Directories only read, never written into: the model directory, the embedded assets. */
  readonly readOnlyDirs: readonly NamedPath[];
  /** Files the command reads (its `--config`, datasets): never removed by `--overwrite`. */
  readonly inputs?: readonly NamedPath[];
  /** The command line to continue the run (`rlvr train --resume DIR`), or undefined where there is none. */
  readonly resumeCommand: string | undefined;
  /** This command line with `--overwrite` added. */
  readonly overwriteCommand: string;
}

/** The dotted path of the first field where `a` and `b` differ (undefined when they are equal). */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(a) || !isObject(b)) return path === '' ? '(the whole config)' : path;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const found = firstDifference(a[key], b[key], path === '' ? key : `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return path;
}

/** `config` without the fields a resumed run may change. */
function withoutResumable(config: TrainConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([key]) => !RESUMABLE_FIELDS.has(key)));
}

/**
 * The directories a run reads and never writes into: the model directory `modelPath` stands for
 * (named by `flag`) and the package's embedded assets (every embedded model and problem set).
 */
export function readOnlyDirsOf(modelPath: string | null, flag: string): NamedPath[] {
  return [
    { flag, path: resolveModelPath(modelPath) },
    { flag: 'the embedded assets', path: embeddedAssetPath('.', 'embedded assets') },
  ];
}

/** The value of a dotted field, as JSON, for a message. */
function fieldValue(config: unknown, field: string): string {
  const value = field.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], config);
  return JSON.stringify(value) ?? 'absent';
}

/** The entries of a run directory that a run (and `extraFiles`) writes: its files, checkpoints and their temporaries. */
export function runFiles(extraFiles: readonly string[] = []): OwnFiles {
  const top = [
    RUN_FILES.config,
    RUN_FILES.metrics,
    RUN_FILES.checkpoints,
    RUN_FILES.completions,
    RUN_FILES.tensorboard,
    ...extraFiles,
  ];
  return {
    isOwn: (relative) => {
      const [first, inner] = relative.split('/');
      if (inner === undefined) return isFileOrTemp(first!, top);
      if (first === RUN_FILES.tensorboard) return isEventFile(inner);
      return first === RUN_FILES.checkpoints && CHECKPOINT_ENTRY.test(inner);
    },
    nested: [RUN_FILES.checkpoints, RUN_FILES.tensorboard],
  };
}

/**
 * Check `request.dir` against the policy of the module comment, and clear it when `--overwrite`
 * allows; throws a CliError (exit 2) naming what to run instead. Call before any work.
 */
export function prepareRunDirectory(request: RunDirectoryRequest): void {
  const { dir, config } = request;
  refuseDirectoryOverlap(dir, request.readOnlyDirs, 'a model directory is never written into');
  // A read-only or unwritable folder is named (EROFS, EACCES) before any work, whatever else holds.
  requireWritableDir(dir.path, 'nothing was trained');
  const entries = entriesOf(dir.path);
  if (entries.includes('.')) throw new CliError(dir.flag, `${dir.path} is a file, not a run directory`);
  const stored = storedRunConfig(dir.path);
  if (request.resume) {
    // No run there: the loop says so (no checkpoint to resume), with its own exit code.
    if (stored === undefined) return;
    const field = firstDifference(withoutResumable(stored), withoutResumable(config));
    if (field !== undefined) {
      throw new CliError(
        '--resume',
        `the run in ${dir.path} has another config: ${field} is ${fieldValue(stored, field)} there, ${fieldValue(config, field)} here; resume it with the config it was started with (only ${[...RESUMABLE_FIELDS].join(', ')} may change) or start a new run in another directory`,
      );
    }
    return;
  }
  if (entries.length === 0) return;
  const same = stored !== undefined && sameTrainConfig(stored, config);
  if (request.overwrite) {
    clearOwnFiles(dir, runFiles(request.extraFiles ?? []), request.inputs);
    return;
  }
  if (same) {
    const resume = request.resumeCommand === undefined ? '' : ` continue it with \`${request.resumeCommand}\`, or`;
    throw new CliError(
      dir.flag,
      `${dir.path} already holds a run of this config;${resume} start it again with \`${request.overwriteCommand}\``,
    );
  }
  const what =
    stored === undefined
      ? 'is not empty and holds no run'
      : `holds a run of another config (${firstDifference(stored, config)} differs)`;
  throw new CliError(
    dir.flag,
    `${dir.path} ${what}; choose a new directory, or clear it with \`${request.overwriteCommand}\``,
  );
}
