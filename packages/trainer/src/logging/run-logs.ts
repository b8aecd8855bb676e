/**
 * The optional logs of a training run besides metrics.jsonl (config section `logging`): TensorBoard
 * scalars of every metrics record and a few sampled completions per step. Opened once per run; on a
 * resume the completions of the steps to be run again are dropped and TensorBoard gets a new file
 * that starts after the checkpoint's step.
 */
import { join } from 'node:path';
import type { TrainConfig } from '../config/schema.js';
import { rewindMetrics } from '../metrics/metrics-file.js';
import type { MetricsRecord } from '../metrics/records.js';
import { RUN_FILES } from '../metrics/run-layout.js';
import { CompletionsWriter, completionsPath, spreadIndices, type CompletionRecord } from './completions-log.js';
import { TensorBoardWriter } from './tensorboard-writer.js';

/** A sampled response with what the step made of it (`RlStepResult.rollouts`). */
export interface ScoredRollout {
  rollout: { promptIds: readonly number[]; text: string };
  score: { reward: number; correct: boolean };
  advantage: number;
}

/** What the loop logs through. */
export interface RunLogs {
  /** Log a metrics record; a step record with its rollouts also logs a few of them. */
  record(record: MetricsRecord, rollouts?: readonly ScoredRollout[]): void;
}

/** The TensorBoard folder `logging.tensorboard` names for `runDir`, or null when it is off. */
export function tensorboardDir(logging: TrainConfig['logging'], runDir: string): string | null {
  if (logging.tensorboard === false) return null;
  return logging.tensorboard === true ? join(runDir, RUN_FILES.tensorboard) : logging.tensorboard;
}

/**
 * Open the logs `logging` asks for in `runDir`; `resumedAfter` is the checkpoint step a resumed run
 * continues from. `decode` turns prompt token ids back into the prompt text.
 */
export async function openRunLogs(
  logging: TrainConfig['logging'],
  runDir: string,
  decode: (ids: readonly number[]) => string,
  resumedAfter?: number,
): Promise<RunLogs> {
  if (resumedAfter !== undefined) await rewindMetrics(completionsPath(runDir), resumedAfter);
  const dir = tensorboardDir(logging, runDir);
  const tensorboard =
    dir === null ? null : new TensorBoardWriter(dir, resumedAfter === undefined ? {} : { resumedAfter });
  const completions = logging.completions > 0 ? new CompletionsWriter(runDir) : null;
  return {
    record(record, rollouts) {
      tensorboard?.write(record);
      if (completions === null || record.kind !== 'step' || rollouts === undefined) return;
      const picked: CompletionRecord[] = spreadIndices(logging.completions, rollouts.length).map((i) => {
        const { rollout, score, advantage } = rollouts[i]!;
        return {
          step: record.step,
          prompt: decode(rollout.promptIds),
          completion: rollout.text,
          reward: score.reward,
          advantage,
          correct: score.correct,
        };
      });
      completions.append(picked);
    },
  };
}
