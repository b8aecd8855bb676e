/** Per-step and evaluation metrics: record schemas, the metrics.jsonl writer and reader, pass@k. */
export { MetricsError } from './metrics-error.js';
export {
  EVAL_METRICS_SCHEMA,
  METRICS_RECORD_SCHEMA,
  PHASE_NAMES,
  STEP_METRICS_SCHEMA,
  type EvalMetrics,
  type MetricsRecord,
  type PhaseName,
  type StepMetrics,
} from './records.js';
export { MetricsWriter, checkMetricsRecord, readMetrics, rewindMetrics, type MetricsFile } from './metrics-file.js';
export { meanAtK, meanPassAtK, passAtK, type SampleCounts } from './pass-at-k.js';
export { groupStats, type GroupStats } from './group-stats.js';
export { RUN_FILES, metricsPath } from './run-layout.js';
