/**
 * What a rollout job carries between the trainer and a worker (BullMQ job data and return value),
 * and its id. The id is a function of the trainer session and the job's content (its draw's seed,
 * its index and its prompts), so adding a job again (after Redis lost it) is a no-op while it exists,
 * and a result can only ever be taken for the job it answers.
 */
import { createHash } from 'node:crypto';
import type { JobRollout, RolloutJobSpec } from './jobs.js';
import type { StepSamplingOptions } from '../loop/rl-step.js';

/** BullMQ job name of rollout jobs. */
export const ROLLOUT_JOB = 'rollout';

/** A rollout job's data. */
export interface RolloutJobData {
  /** The trainer session that queued it (its weights server and config). */
  session: string;
  /** Base URL and bearer token of the session's weights server. */
  server: string;
  token: string;
  /** The policy version to sample with (the weights server's `/weights/VERSION`). */
  version: number;
  prompts: number[][];
  /** One per prompt: what the run's verifier checks completions against. */
  references: unknown[];
  options: StepSamplingOptions;
}

/** What a worker returns for a job. */
export interface RolloutJobResult {
  /** The worker that ran it (its registry id, `HOST-PID-RANDOM`) and the version it sampled with. */
  worker: string;
  version: number;
  rollouts: JobRollout[];
  completionTokens: number;
  sampleSeconds: number;
  scoreSeconds: number;
}

/** The job id of `spec` in `session` (BullMQ ids may not contain ':'). */
export function rolloutJobId(session: string, spec: RolloutJobSpec): string {
  const hash = createHash('sha256').update(JSON.stringify(spec.prompts)).digest('hex').slice(0, 16);
  return `${session}.${spec.options.seed.toString(16)}.${spec.index}.${hash}`;
}
