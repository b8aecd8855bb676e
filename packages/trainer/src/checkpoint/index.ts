/** Atomic, resumable checkpoints of a run: weights, AdamW state, RNG states, data cursor, config. */
export { CheckpointError, NonFiniteCheckpointError } from './checkpoint-error.js';
export {
  checkpointDir,
  checkpointsDir,
  latestCheckpoint,
  listCheckpoints,
  newestValidCheckpoint,
  pruneCheckpoints,
  readCheckpoint,
  readOptimizerState,
  visitOptimizerState,
  writeCheckpoint,
  type CheckpointOptimizerState,
  type CheckpointRef,
  type CheckpointState,
  type JsonValue,
  type LoadedCheckpoint,
  type WriteCheckpointOptions,
} from './checkpoint.js';
export { checkpointBytes, freeBytes, requireFreeSpace } from './free-space.js';
