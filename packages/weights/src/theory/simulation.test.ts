import type { ZeroVarianceMode } from '../group-advantages.js';
import { linearR, sqrtR } from '../weightings.js';
import { trajectory } from './dynamics.js';
import { simulate, type SamplingMode, type SimulationOptions } from './simulation.js';
import { expectWeightsError } from '../testing/expect-weights-error.js';

describe('simulate', () => {
  const small: SimulationOptions = { weighting: 'linear-r', prompts: 32, steps: 12 };

  it('returns curves of steps + 1 points, finite, with accuracy in (0, 1)', () => {
    const result = simulate(small);
    expect(result.weighting).toBe('linear-r');
    for (const curve of [result.step, result.responses, result.accuracy, result.zeroSuccessFraction]) {
      expect(curve).toHaveLength(13);
      expect(curve.every(Number.isFinite)).toBe(true);
    }
    expect(Array.from(result.step)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(result.accuracy.every((a) => a > 0 && a < 1)).toBe(true);
    expect(result.zeroSuccessFraction[0]).toBe(0);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    expect(simulate({ ...small, seed: 5 })).toEqual(simulate({ ...small, seed: 5 }));
    expect(simulate({ ...small, seed: 5, sampling: 'until-success' })).toEqual(simulate({ ...small, seed: 5, sampling: 'until-success' }));
    expect(simulate({ ...small, seed: 5 }).accuracy).not.toEqual(simulate({ ...small, seed: 6 }).accuracy);
    expect(simulate({ ...small, weighting: linearR() })).toEqual(simulate(small)); // a Weighting or its name
  });

  it('starts at the initial accuracy: exactly without spread, at E[σ(logit ρ₀ + Z)] with it', () => {
    const flat = simulate({ weighting: 'grpo', prompts: 16, steps: 1, initialAccuracy: 0.3, logitSpread: 0 });
    expect(Math.abs(flat.accuracy[0]! - 0.3)).toBeLessThan(1e-15); // logit then sigmoid: an ulp or two

    // The mean of σ(l₀ + Z), Z ~ N(0, 1), by the trapezoid rule on [−12, 12] (tails below 1e-30).
    const l0 = Math.log(0.025 / 0.975);
    let m1 = 0;
    let m2 = 0;
    const dz = 0.005;
    for (let z = -12; z <= 12; z += dz) {
      const weight = (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * dz;
      const s = 1 / (1 + Math.exp(-(l0 + z)));
      m1 += weight * s;
      m2 += weight * s * s;
    }
    const prompts = 4000;
    const standardError = Math.sqrt((m2 - m1 * m1) / prompts);
    const spread = simulate({ weighting: 'grpo', prompts, steps: 1, seed: 11 });
    // A sample mean of 4000 prompts: 5 standard errors.
    expect(Math.abs(spread.accuracy[0]! - m1)).toBeLessThan(5 * standardError);
    // σ is convex down there, so the mean sits above the median 0.025 (≈ 0.04), but near it.
    expect(spread.accuracy[0]!).toBeGreaterThan(0.025);
    expect(spread.accuracy[0]!).toBeLessThan(0.06);
  });

  it('with large groups and one starting point, it follows the ODE dρ/dt = h(ρ) with t = steps·η', () => {
    for (const w of [linearR(), sqrtR()]) {
      const steps = 40;
      const learningRate = 0.025;
      const result = simulate({ weighting: w, prompts: 32, groupSize: 256, steps, learningRate, initialAccuracy: 0.2, logitSpread: 0, seed: 3 });
      const ode = trajectory(w, 0.2, { duration: steps * learningRate, points: steps + 1 });
      let worst = 0;
      for (let i = 0; i <= steps; i++) worst = Math.max(worst, Math.abs(result.accuracy[i]! - ode.rho[i]!));
      // Euler steps of η = 0.025 in log-odds (O(η) ≈ 0.5%) plus the noise and Jensen bias of ω(ρ̂) with
      // M = 256 (O(1/M)): measured ≈ 0.007–0.009 over seeds; 0.02 leaves margin and still fails for a wrong h.
      expect(worst).toBeLessThan(0.02);
    }
  });

  it.each([1, 2, 3])('from scratch (ρ₀ = 0.025, fixed sampling), Linear-R and Sqrt-R are ahead of GRPO mid-run (seed %d)', (seed) => {
    const at = 15;
    const accuracy = (weighting: string): number => simulate({ weighting, prompts: 128, steps: at, seed }).accuracy[at]!;
    const grpo = accuracy('grpo');
    // Measured: GRPO ≈ 0.13–0.16, Linear-R ≈ 0.46–0.50, Sqrt-R ≈ 0.52–0.57 over seeds 1–3.
    expect(accuracy('linear-r')).toBeGreaterThan(grpo + 0.2);
    expect(accuracy('sqrt-r')).toBeGreaterThan(grpo + 0.2);
  });

  it('the signal from unsolved groups matters: GRPO gains from the reinforce mode, Linear-R loses without it', () => {
    const run = (weighting: string, zeroVariance: ZeroVarianceMode): number => simulate({ weighting, prompts: 256, steps: 30, seed: 2, zeroVariance }).accuracy[30]!;
    expect(run('grpo', 'reinforce')).toBeGreaterThan(run('grpo', 'weighting'));
    // Linear-R's own limit at ρ̂ = 0 is −1 per response, i.e. exactly the reinforce mode.
    expect(run('linear-r', 'reinforce')).toBe(run('linear-r', 'weighting'));
    expect(run('linear-r', 'zero')).toBeLessThan(run('linear-r', 'weighting'));
  });

  it('until-success sampling spends more responses per step at low accuracy, about the same at high accuracy', () => {
    const base = { weighting: 'linear-r', prompts: 64, groupSize: 16, steps: 10, seed: 4 } as const;
    const run = (sampling: SamplingMode, initialAccuracy: number) => simulate({ ...base, sampling, initialAccuracy });
    const perStep = base.prompts * base.groupSize;

    const fixed = run('fixed', 0.025);
    expect(Array.from(fixed.responses)).toEqual(Array.from({ length: 11 }, (_, i) => i * perStep));
    const until = run('until-success', 0.025);
    // At ρ ≈ 0.025 a group of 16 holds no success about (0.975)^16 ≈ 2/3 of the time: ~3 groups per prompt.
    expect(until.responses[1]!).toBeGreaterThan(2 * perStep);
    expect(until.zeroSuccessFraction[1]!).toBeLessThan(fixed.zeroSuccessFraction[1]!);
    for (let i = 1; i <= 10; i++) expect(until.responses[i]! - until.responses[i - 1]!).toBeGreaterThanOrEqual(perStep);

    const easy = run('until-success', 0.9);
    // At ρ ≈ 0.9 nearly every first group already has a success.
    expect(easy.responses[1]!).toBeLessThan(1.05 * perStep);
  });

  it('maxGroups caps the draws per prompt and step', () => {
    const capped = simulate({ weighting: 'grpo', prompts: 16, groupSize: 4, steps: 1, initialAccuracy: 0.001, logitSpread: 0, sampling: 'until-success', maxGroups: 3 });
    expect(capped.responses[1]!).toBeLessThanOrEqual(16 * 4 * 3);
    expect(capped.responses[1]!).toBeGreaterThan(16 * 4 * 2); // at ρ = 0.001 almost every prompt uses all 3
  });

  it('the fraction of unsolved groups falls as accuracy rises', () => {
    const result = simulate({ weighting: 'sqrt-r', prompts: 256, steps: 40, seed: 8 });
    const first = result.zeroSuccessFraction[1]!;
    const last = result.zeroSuccessFraction[40]!;
    expect(result.accuracy[40]!).toBeGreaterThan(result.accuracy[1]! + 0.5);
    expect(first).toBeGreaterThan(0.4);
    expect(last).toBeLessThan(0.05);
    // Mean over the first and the second half of the run.
    const mean = (from: number, to: number): number => result.zeroSuccessFraction.slice(from, to).reduce((s, x) => s + x, 0) / (to - from);
    expect(mean(21, 41)).toBeLessThan(mean(1, 21));
  });

  it('validates its options', () => {
    const bad: [Partial<SimulationOptions>, string][] = [
      [{ prompts: 0 }, 'prompts'],
      [{ prompts: 2.5 }, 'prompts'],
      [{ groupSize: 1 }, 'groupSize'],
      [{ steps: 0 }, 'steps'],
      [{ maxGroups: 0 }, 'maxGroups'],
      [{ initialAccuracy: 0 }, 'initialAccuracy'],
      [{ initialAccuracy: 1 }, 'initialAccuracy'],
      [{ learningRate: 0 }, 'learningRate'],
      [{ learningRate: NaN }, 'learningRate'],
      [{ learningRate: Infinity }, 'learningRate'],
      [{ logitSpread: -1 }, 'logitSpread'],
      [{ logitSpread: NaN }, 'logitSpread'],
      [{ sampling: 'adaptive' as SamplingMode }, 'sampling'],
      [{ weighting: 'ppo' }, 'weighting'],
      [{ zeroVariance: 'skip' as ZeroVarianceMode }, 'zeroVariance'],
    ];
    for (const [options, argument] of bad) expectWeightsError(() => simulate({ ...small, ...options }), argument);
  });
});
