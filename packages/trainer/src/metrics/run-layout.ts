import { join } from 'node:path';

/**
 * The files of a run directory, named in one place for the writer (the loop), the checkpoints and
 * the report: `metrics.jsonl`, the resolved `config.json`, `checkpoints/step-N/`, and the optional logs
 * (`completions.jsonl`, `tensorboard/`).
 */
export const RUN_FILES = {
  /** Append-only metrics, one JSON line per step or evaluation. */
  metrics: 'metrics.jsonl',
  /** The resolved training configuration (every default filled in). */
  config: 'config.json',
  /** Folder of `step-N` checkpoint directories. */
  checkpoints: 'checkpoints',
  /** A few sampled responses per step (`logging.completions`). */
  completions: 'completions.jsonl',
  /** TensorBoard event files when `logging.tensorboard` is `true`. */
  tensorboard: 'tensorboard',
} as const;

/** Path of a run's metrics.jsonl. */
export function metricsPath(runDir: string): string {
  return join(runDir, RUN_FILES.metrics);
}
