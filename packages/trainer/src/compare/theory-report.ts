/**
 * `theory.md` and the figures of `rlvr compare --task choice`: the measured times to target beside the
 * theory's predictions (theory-regime.ts), the rank agreement of the six weightings on each clock, and
 * the figures of theory-figures.ts. `simulate`'s step size η is the one free number: it is set so that
 * the simulated final mean ρ of one weighting (Linear-R when it ran) equals the measured one, and
 * then used unchanged for every weighting, so the other curves are predictions.
 */
import { join } from 'node:path';
import type { SamplingMode } from '@rlvr/weights';
import { writeSvg } from '../figures/render-svg.js';
import type { SeedRun } from './aggregate.js';
import { promptTrajectoriesSpec, rhoTheorySpec, type PromptRhoPoint, type SimulatedPoint } from './theory-figures.js';
import {
  kendallTau,
  measuredTimes,
  predictedTimes,
  ranks,
  rhoBandPoints,
  simulateSetup,
  type MeasuredTimes,
  type PredictedTimes,
  type RegimeSetup,
} from './theory-regime.js';

/** Targets ρ* of the tables. */
export const THEORY_TARGETS = [0.2, 0.5, 0.8] as const;

/** What the report needs besides the runs. */
export interface TheoryReportInput {
  /** Runs per weighting, in the order to show them. */
  groups: ReadonlyMap<string, readonly SeedRun[]>;
  learningRates: Readonly<Record<string, number>>;
  rule: string;
  groupSize: number;
  steps: number;
  /** `until-success` when the runs drew until a success (`sampling.maxGroups` > 1), else `fixed`. */
  sampling: SamplingMode;
  /** The runs' `sampling.maxGroups`: `simulate`'s cap on groups per prompt and step. */
  maxGroups: number;
}

/** The measured start of the runs: mean ρ₀ over every training prompt and seed, and the spread of their log-odds. */
export function measuredStart(groups: ReadonlyMap<string, readonly SeedRun[]>): {
  rho0: number;
  logitSpread: number;
  prompts: number;
} {
  const first = [...groups.values()].flat()[0]?.evals.find((e) => e.step === 0)?.exactSuccess?.train;
  if (!first || first.length === 0) throw new Error('theory report: no exact ρ at step 0 (not a choice-task run?)');
  const logits = first.map((r) => Math.log(r / (1 - r)));
  const meanLogit = logits.reduce((a, x) => a + x, 0) / logits.length;
  const spread = Math.sqrt(logits.reduce((a, x) => a + (x - meanLogit) ** 2, 0) / logits.length);
  return { rho0: first.reduce((a, x) => a + x, 0) / first.length, logitSpread: spread, prompts: first.length };
}

/** The η at which `simulate` of `name` ends at `finalRho` (bisection in log η over [1e-4, 100]); null when out of range. */
export function calibrateStepSize(
  name: string,
  setup: Omit<RegimeSetup, 'learningRate'>,
  finalRho: number,
): number | null {
  const final = (eta: number) => simulateSetup(name, { ...setup, learningRate: eta }).accuracy[setup.steps]!;
  let lo = Math.log(1e-4);
  let hi = Math.log(100);
  if (!(final(Math.exp(lo)) <= finalRho && final(Math.exp(hi)) >= finalRho)) return null;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (final(Math.exp(mid)) < finalRho) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

const fmt = (x: number | null, digits = 0) => (x === null ? 'not reached' : x.toFixed(digits));
const rankLine = (what: string, a: readonly (number | null)[], b: readonly (number | null)[]) =>
  `${what}: Kendall τ = ${kendallTau(ranks(a), ranks(b)).toFixed(2)} (measured ranks ${ranks(a).join(', ')}; predicted ${ranks(b).join(', ')})`;

/** Write theory.md, rho-vs-step.svg, rho-vs-responses.svg and prompt-trajectories.svg into `out`; returns theory.md's text. */
export async function writeTheoryReport(out: string, input: TheoryReportInput): Promise<string> {
  const names = [...input.groups.keys()];
  const start = measuredStart(input.groups);
  const base = {
    ...start,
    groupSize: input.groupSize,
    steps: input.steps,
    sampling: input.sampling,
    maxGroups: input.maxGroups,
  };
  const anchor = names.includes('linear-r') ? 'linear-r' : names[0]!;
  const anchorFinal = rhoBandPoints(anchor, input.groups.get(anchor)!).at(-1)?.mean ?? Number.NaN;
  const eta = calibrateStepSize(anchor, base, anchorFinal);
  const setup: RegimeSetup = { ...base, learningRate: eta ?? 0.05 };

  const measuredBand = names.flatMap((w) => rhoBandPoints(w, input.groups.get(w)!));
  const evalSteps = new Set(measuredBand.map((p) => p.step));
  const sims = new Map(names.map((w) => [w, simulateSetup(w, setup)]));
  const simulated: SimulatedPoint[] = names.flatMap((w) => {
    const sim = sims.get(w)!;
    return Array.from(sim.step, (step, i) => ({
      weighting: w,
      step,
      sampledResponses: sim.responses[i]!,
      rho: sim.accuracy[i]!,
    })).filter((p) => evalSteps.has(p.step));
  });
  const subtitle = `Measured: exact ρ, mean over the ${start.prompts} training prompts (band: min–max over seeds). Dotted: simulate, η = ${setup.learningRate.toPrecision(3)}.`;
  await writeSvg(
    rhoTheorySpec(measuredBand, simulated, 'step', 'Success rate against RL steps: runs and theory', subtitle),
    join(out, 'rho-vs-step.svg'),
  );
  await writeSvg(
    rhoTheorySpec(measuredBand, simulated, 'sampledResponses', 'Success rate against sampled responses', subtitle),
    join(out, 'rho-vs-responses.svg'),
  );
  const trajectories: PromptRhoPoint[] = names.flatMap((w) =>
    (input.groups.get(w)![0]?.evals ?? []).flatMap((e) =>
      (e.exactSuccess?.train ?? []).map((rho, prompt) => ({ weighting: w, prompt, step: e.step, rho })),
    ),
  );
  await writeSvg(
    promptTrajectoriesSpec(trajectories, `Per-prompt success rates (rule ${input.rule})`),
    join(out, 'prompt-trajectories.svg'),
  );

  const lines = [
    `# Theory vs runs: choice task, rule ${input.rule}`,
    '',
    `Measured start: mean ρ₀ = ${start.rho0.toFixed(4)} over ${start.prompts} training prompts, log-odds spread ${start.logitSpread.toFixed(3)}; groups of ${input.groupSize}, ${input.steps} steps, ${input.sampling} sampling${input.sampling === 'until-success' ? ` (at most ${input.maxGroups} groups per prompt and step)` : ''}.`,
    eta === null
      ? `simulate's step size could not be matched to ${anchor}'s final mean ρ (${anchorFinal.toFixed(3)}); η = 0.05 is used.`
      : `simulate's step size η = ${eta.toPrecision(3)} (log-odds per step) makes its ${anchor} end at the measured final mean ρ ${anchorFinal.toFixed(3)}; the other weightings' simulated curves use the same η.`,
    "B·T: the ODE's time to the target at equal update budget (`theoryRow`: lower is faster; GRPO is optimal on the regular clock, Sqrt-R on the effective one).",
    '',
  ];
  for (const target of THEORY_TARGETS) {
    const measured: MeasuredTimes[] = names.map((w) => measuredTimes(w, input.groups.get(w)!, target));
    const predicted: PredictedTimes[] = names.map((w) => predictedTimes(w, setup, target, sims.get(w)));
    lines.push(
      `## Target ρ* = ${target}`,
      '',
      '| weighting | lr | mean ρ reaches ρ*: step | responses | a quarter of the prompts reach ρ*: step | responses | prompts reaching ρ* | B·T regular | B·T effective | simulate: step | responses |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...names.map((w, i) => {
        const m = measured[i]!;
        const p = predicted[i]!;
        return `| ${w} | ${input.learningRates[w]} | ${fmt(m.meanSteps)} | ${fmt(m.meanResponses)} | ${fmt(m.promptQuartileSteps)} | ${fmt(m.promptQuartileResponses)} | ${(100 * m.reachedShare).toFixed(0)} % | ${p.regularCost.toFixed(2)} | ${p.effectiveCost.toFixed(2)} | ${fmt(p.simulatedSteps)} | ${fmt(p.simulatedResponses)} |`;
      }),
      '',
      `- ${rankLine(
        'regular clock, steps until a quarter of the prompts reach ρ* vs B·T regular',
        measured.map((m) => m.promptQuartileSteps),
        predicted.map((p) => p.regularCost),
      )}`,
      `- ${rankLine(
        'effective clock, responses until a quarter of the prompts reach ρ* vs B·T effective',
        measured.map((m) => m.promptQuartileResponses),
        predicted.map((p) => p.effectiveCost),
      )}`,
      `- ${rankLine(
        'prompts reaching ρ* within the run (more = faster) vs B·T regular',
        measured.map((m) => 1 - m.reachedShare),
        predicted.map((p) => p.regularCost),
      )}`,
      `- ${rankLine(
        'prompts reaching ρ* within the run vs B·T effective',
        measured.map((m) => 1 - m.reachedShare),
        predicted.map((p) => p.effectiveCost),
      )}`,
      `- ${rankLine(
        'mean ρ, steps vs simulate at the same η',
        measured.map((m) => m.meanSteps),
        predicted.map((p) => p.simulatedSteps),
      )}`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
