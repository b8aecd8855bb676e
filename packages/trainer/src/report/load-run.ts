/**
 * A run directory as the report sees it: its metrics (metrics.jsonl), its logged completions
 * (completions.jsonl, when there is one) and its configuration (`config.json`, else the
 * train-config.json of its newest checkpoint, else none).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { latestCheckpoint } from '../checkpoint/checkpoint.js';
import { TrainerError } from '../errors.js';
import { readCompletions, type CompletionRecord } from '../logging/completions-log.js';
import { readMetrics } from '../metrics/metrics-file.js';
import type { EvalMetrics, StepMetrics } from '../metrics/records.js';
import { RUN_FILES, metricsPath } from '../metrics/run-layout.js';

/** A run that cannot be reported (no such directory, no metrics). */
export class ReportError extends TrainerError {
  /** The run directory or file at fault. */
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'ReportError';
    this.path = path;
  }
}

/** One run's data for the report. */
export interface RunData {
  /** The directory as given. */
  dir: string;
  /** Its name in legends and tables (unique within a report). */
  label: string;
  /** Step records, sorted by step. */
  steps: StepMetrics[];
  /** Eval records, sorted by step. */
  evals: EvalMetrics[];
  /** Its configuration, when one was found. */
  config: unknown;
  /** True when metrics.jsonl ended in a partial line (the run crashed or is being written). */
  truncated: boolean;
  /** The sampled completions it logged (`logging.completions`), in file order. */
  completions: CompletionRecord[];
}

async function readConfig(dir: string): Promise<unknown> {
  const candidates = [join(dir, RUN_FILES.config)];
  const checkpoint = latestCheckpoint(dir);
  if (checkpoint !== null) candidates.push(join(checkpoint.dir, 'train-config.json'));
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    try {
      return JSON.parse(await readFile(path, 'utf8')) as unknown;
    } catch (error) {
      throw new ReportError(path, `not valid JSON: ${(error as Error).message}`);
    }
  }
  return null;
}

/** Read one run directory. */
export async function loadRun(dir: string, label = basename(resolve(dir))): Promise<RunData> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ReportError(dir, 'not a run directory (it does not exist or is not a folder)');
  }
  const file = metricsPath(dir);
  if (!existsSync(file)) {
    throw new ReportError(dir, `has no ${RUN_FILES.metrics}; expected a run directory written by rlvr train`);
  }
  const metrics = await readMetrics(file);
  const byStep = <T extends { step: number }>(records: T[]) => [...records].sort((a, b) => a.step - b.step);
  return {
    dir,
    label,
    steps: byStep(metrics.steps),
    evals: byStep(metrics.evals),
    config: await readConfig(dir),
    truncated: metrics.truncated,
    completions: readCompletions(dir),
  };
}

/**
 * Read several runs, labelled by folder name; folders with the same name are labelled by their
 * path as given, so that every legend entry is unique.
 */
export async function loadRuns(dirs: readonly string[]): Promise<RunData[]> {
  const names = dirs.map((dir) => basename(resolve(dir)));
  return await Promise.all(
    dirs.map((dir, i) => loadRun(dir, names.filter((n) => n === names[i]).length > 1 ? dir : names[i])),
  );
}
