/**
 * @rlvr/trainer as a library: run RL training from code (`runTraining` on a `parseTrainConfig` config),
 * or drive its parts yourself — one RL step (`rlStep`), held-out evaluation (`evaluate`), task loading
 * (`loadTask`), checkpoints (`writeCheckpoint` / `readCheckpoint`), the metrics file (`readMetrics`) and
 * the HTML report (`writeReport`); `runCli` runs any `rlvr` command in-process. Everything else
 * (the command parsers, chart specs, figure rendering) is internal to the `rlvr` executable.
 */
export { runTraining, type RunTrainingOptions, type RunTrainingResult } from './loop/run-training.js';
export { TrainerError, DivergenceError, StorageError, InterruptedError } from './errors.js';
export {
  rlStep,
  type RlStepContext,
  type RlStepResult,
  type RlStepSettings,
  type StepPrompt,
  type StepRollout,
  type StepSampler,
  type StepScore,
} from './loop/rl-step.js';
export { evaluate, type EvalContext, type EvalSettings } from './loop/evaluate.js';
export {
  ConfigError,
  ConfigFileError,
  loadTrainConfig,
  parseTrainConfig,
  type TrainConfig,
  type TrainConfigInput,
} from './config/index.js';
export { DatasetError, loadTask, type Task, type TaskExample } from './tasks/index.js';
export {
  CheckpointError,
  latestCheckpoint,
  listCheckpoints,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointRef,
  type CheckpointState,
  type LoadedCheckpoint,
  type WriteCheckpointOptions,
} from './checkpoint/index.js';
export { readMetrics, type EvalMetrics, type MetricsFile, type StepMetrics } from './metrics/index.js';
export { writeReport, type ReportOptions } from './report/index.js';
export { runCli } from './cli/run-cli.js';
export type { CliIo } from './cli/command.js';
