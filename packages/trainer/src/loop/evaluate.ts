/**
 * Held-out evaluation: one greedy response per prompt (pass@1 greedy, the paper's headline number) and
 * n sampled responses per prompt at the evaluation temperature (mean accuracy over the n, unbiased
 * pass@k for each requested k ≤ n, mean reward).
 */
import type { EvalMetrics } from '../metrics/index.js';
import { MetricsError, meanAtK, meanPassAtK } from '../metrics/index.js';
import type { StepPrompt, StepRollout, StepScore } from './rl-step.js';

/** What evaluation needs: generation (greedy or sampled) and scoring of completions. */
export interface EvalContext {
  generate(
    prompts: number[][],
    options: {
      groupSize: number;
      maxNewTokens: number;
      temperature: number;
      stop: string[];
      seed: number;
      greedy: boolean;
    },
  ): Promise<StepRollout[]>;
  /** Scores rollouts against their prompts' references. */
  score(rollouts: StepRollout[], references: unknown[]): Promise<StepScore[]>;
}

/** Evaluation settings. */
export interface EvalSettings {
  samples: number;
  temperature: number;
  passAtK: number[];
  maxNewTokens: number;
  stop: string[];
  seed: number;
}

/** Evaluate on `prompts`; returns the eval record of metrics.jsonl (minus its step). */
export async function evaluate(
  ctx: EvalContext,
  prompts: readonly StepPrompt[],
  s: EvalSettings,
): Promise<Omit<EvalMetrics, 'kind' | 'step'>> {
  if (prompts.length === 0) throw new MetricsError('prompts', 'evaluate needs at least one held-out prompt, got none');
  for (const k of s.passAtK) {
    if (!(Number.isInteger(k) && k >= 1 && k <= s.samples)) {
      throw new MetricsError('passAtK', `evaluate: pass@${k} needs an integer k with 1 ≤ k ≤ samples = ${s.samples}`);
    }
  }
  const start = process.hrtime.bigint();
  const ids = prompts.map((p) => p.ids);
  const references = (rollouts: StepRollout[]): unknown[] => rollouts.map((r) => prompts[r.promptIndex]!.reference);

  const greedy = await ctx.generate(ids, {
    groupSize: 1,
    maxNewTokens: s.maxNewTokens,
    temperature: 1,
    stop: s.stop,
    seed: s.seed,
    greedy: true,
  });
  const greedyScores = await ctx.score(greedy, references(greedy));
  const sampled = await ctx.generate(ids, {
    groupSize: s.samples,
    maxNewTokens: s.maxNewTokens,
    temperature: s.temperature,
    stop: s.stop,
    seed: s.seed + 1,
    greedy: false,
  });
  const scores = await ctx.score(sampled, references(sampled));

  const counts = prompts.map((_, p) => ({
    n: s.samples,
    c: scores.slice(p * s.samples, (p + 1) * s.samples).filter((x) => x.correct).length,
  }));
  return {
    prompts: prompts.length,
    samples: s.samples,
    pass1Greedy: greedyScores.filter((x) => x.correct).length / prompts.length,
    meanAccuracy: meanAtK(counts),
    passAtK: Object.fromEntries(s.passAtK.map((k) => [String(k), meanPassAtK(counts, k)])),
    rewardMean: scores.reduce((a, x) => a + x.reward, 0) / scores.length,
    seconds: Number(process.hrtime.bigint() - start) / 1e9,
  };
}
