import { simulate, weighting } from '@rlvr/weights';
import type { TopLevelSpec } from 'vega-lite';
import { FIGURE_CONFIG, familyEncoding, familyOf, weightingScales } from './palette.js';

/** Parameters of the simulation behind {@link simulationSpec}. */
export interface SimulationFigureOptions {
  /** Weighting names to simulate. */
  names: readonly string[];
  /** Median initial success probability of the prompts (the theory's ρ₀). */
  initialAccuracy: number;
  /** Responses per group M. */
  groupSize: number;
  /** Number of prompts; default 256. */
  prompts?: number;
  /** Number of updates; default 100. */
  steps?: number;
  /** Step size η in log-odds; default 0.02. */
  learningRate?: number;
  /** Seed; default 0. */
  seed?: number;
}

/**
 * The defaults are chosen so the six representative weightings take about 0.2 s together on two
 * cores, and, from ρ₀ = 0.025, the curves are still apart at the end (GRPO ≈ 0.8, RLOO ≈ 0.2).
 */
export const SIMULATION_DEFAULTS = { prompts: 256, steps: 100, learningRate: 0.02, seed: 0 } as const;

/**
 * Vega-Lite spec: mean accuracy of a simulated prompt population trained with each weighting
 * (finite groups, `until-success` sampling, so responses spent per update grow like 1/ρ), against
 * responses sampled per prompt (effective time) and against the update step (regular time).
 */
export function simulationSpec(options: SimulationFigureOptions): TopLevelSpec {
  const prompts = options.prompts ?? SIMULATION_DEFAULTS.prompts;
  const steps = options.steps ?? SIMULATION_DEFAULTS.steps;
  const learningRate = options.learningRate ?? SIMULATION_DEFAULTS.learningRate;
  const seed = options.seed ?? SIMULATION_DEFAULTS.seed;
  const scales = weightingScales(options.names);
  const values = options.names.flatMap((name) => {
    const result = simulate({
      weighting: name,
      prompts,
      steps,
      learningRate,
      groupSize: options.groupSize,
      initialAccuracy: options.initialAccuracy,
      sampling: 'until-success',
      seed,
    });
    const rule = weighting(name);
    return Array.from(result.accuracy, (accuracy, i) => ({
      label: rule.label,
      family: familyOf(rule),
      step: result.step[i]!,
      responsesPerPrompt: result.responses[i]! / prompts,
      accuracy,
    }));
  });
  const color = {
    field: 'label',
    type: 'nominal' as const,
    title: 'weighting',
    scale: scales.color,
    sort: scales.color.domain,
  };
  const strokeDash = familyEncoding();
  const y = {
    field: 'accuracy',
    type: 'quantitative' as const,
    title: 'mean success probability',
    scale: { domain: [0, 1] },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Simulated RLVR with finite groups',
      subtitle: [
        `${prompts} prompts (median start accuracy ${options.initialAccuracy}), groups of M = ${options.groupSize}, η = ${learningRate}, ${steps} steps, seed ${seed};`,
        'each step draws groups until one holds a success (up to 32), so a hard prompt costs many responses',
      ],
    },
    data: { values },
    hconcat: [
      {
        title: { text: 'Effective time: responses sampled', fontSize: 13 },
        width: 360,
        height: 300,
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: { field: 'responsesPerPrompt', type: 'quantitative', title: 'responses sampled per prompt' },
          y,
          color,
          strokeDash,
        },
      },
      {
        title: { text: 'Regular time: updates', fontSize: 13 },
        width: 360,
        height: 300,
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { x: { field: 'step', type: 'quantitative', title: 'update step' }, y, color, strokeDash },
      },
    ],
    config: FIGURE_CONFIG,
  };
}
