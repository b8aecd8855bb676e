/**
 * How a draw of prompt groups becomes rollout jobs, the same way in this process and on workers: the
 * draw's prompts are split into consecutive jobs of `promptsPerJob` prompts, and job j samples with
 * the seed `deriveSeed(seed, j)` (one job: the draw's own seed, so a run without the setting samples
 * exactly as before). The split, not where a job runs, decides the samples, so a config gives the same
 * rollouts in-process and on any number of workers (bit for bit where the samplers run the same ONNX
 * Runtime build with the same number of threads on the same kind of CPU; otherwise logprobs may differ
 * in their last bits).
 */
import { deriveSeed } from '../tasks/index.js';
import type { StepRollout, StepSampler, StepSamplingOptions, StepScore } from '../loop/rl-step.js';

/** One job of a draw: its prompts (with references, for scoring where it runs) and its sampling options. */
export interface RolloutJobSpec {
  /** Index of the job within its draw (0 …). */
  index: number;
  /** Index of the job's first prompt in the draw. */
  firstPrompt: number;
  prompts: number[][];
  references: unknown[];
  options: StepSamplingOptions;
}

/** A sampled completion as a job returns it: its place in the job, tokens, logprobs, text and, from a worker, its score. */
export interface JobRollout {
  promptIndex: number;
  sampleIndex: number;
  completionIds: readonly number[];
  logprobs: readonly number[];
  text: string;
  finishReason: string;
  score?: StepScore;
}

/** Split a draw into jobs; see the module comment. `promptsPerJob` null = one job. */
export function splitDraw(
  prompts: readonly number[][],
  references: readonly unknown[],
  options: StepSamplingOptions,
  promptsPerJob: number | null,
): RolloutJobSpec[] {
  const size = promptsPerJob ?? Math.max(prompts.length, 1);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`promptsPerJob must be an integer ≥ 1, got ${size}`);
  const count = Math.ceil(prompts.length / size);
  const jobs: RolloutJobSpec[] = [];
  for (let j = 0; j < count; j++) {
    const from = j * size;
    jobs.push({
      index: j,
      firstPrompt: from,
      prompts: prompts.slice(from, from + size).map((p) => [...p]),
      references: references.slice(from, from + size),
      options: { ...options, seed: count === 1 ? options.seed : deriveSeed(options.seed, j) },
    });
  }
  return jobs;
}

/**
 * The draw's rollouts from its jobs' results (in job order), each placed at its prompt's index in the
 * draw and given its prompt ids; scores from workers ride along on the rollouts.
 */
export function joinJobs(jobs: readonly RolloutJobSpec[], results: readonly (readonly JobRollout[])[]): StepRollout[] {
  const out: StepRollout[] = [];
  jobs.forEach((job, j) => {
    const result = results[j]!;
    const expected = job.prompts.length * job.options.groupSize;
    if (result.length !== expected) {
      throw new RangeError(`rollout job ${j} returned ${result.length} rollouts, expected ${expected}`);
    }
    for (const r of result) {
      out.push({
        promptIndex: job.firstPrompt + r.promptIndex,
        sampleIndex: r.sampleIndex,
        promptIds: job.prompts[r.promptIndex]!,
        completionIds: r.completionIds,
        logprobs: r.logprobs,
        text: r.text,
        finishReason: r.finishReason,
        ...(r.score === undefined ? {} : { score: r.score }),
      });
    }
  });
  return out;
}

/** A sampler over jobs of `promptsPerJob` prompts (see the module comment), the draw's jobs run by `runJobs`. */
export function jobSampler(
  promptsPerJob: number | null,
  runJobs: (jobs: readonly RolloutJobSpec[]) => Promise<readonly (readonly JobRollout[])[]>,
): StepSampler['generate'] {
  return async (prompts, options, references) => {
    const jobs = splitDraw(prompts, references ?? prompts.map(() => null), options, promptsPerJob);
    return joinJobs(jobs, await runJobs(jobs));
  };
}

/** Run jobs one after another on a sampler in this process (its session runs one generate at a time). */
export function inProcessJobs(
  generate: (prompts: number[][], options: StepSamplingOptions) => Promise<readonly JobRollout[]>,
): (jobs: readonly RolloutJobSpec[]) => Promise<(readonly JobRollout[])[]> {
  return async (jobs) => {
    const results: (readonly JobRollout[])[] = [];
    for (const job of jobs) results.push(await generate(job.prompts, job.options));
    return results;
  };
}
