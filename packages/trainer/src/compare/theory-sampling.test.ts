import { simulate } from '@rlvr/weights';
import { predictedTimes, type RegimeSetup } from './theory-regime.js';

const setup = (sampling: RegimeSetup['sampling'], maxGroups: number): RegimeSetup => ({
  rho0: 0.025,
  logitSpread: 0.5,
  prompts: 64,
  groupSize: 8,
  steps: 60,
  learningRate: 0.5,
  sampling,
  maxGroups,
});

describe('predictedTimes with until-success sampling', () => {
  test('runs simulate with the runs’ cap on groups per prompt', () => {
    const s = setup('until-success', 4);
    const p = predictedTimes('linear-r', s, 0.2);
    const sim = simulate({
      weighting: 'linear-r',
      prompts: s.prompts,
      groupSize: s.groupSize,
      steps: s.steps,
      learningRate: s.learningRate,
      initialAccuracy: s.rho0,
      logitSpread: s.logitSpread,
      sampling: 'until-success',
      maxGroups: 4,
      seed: 1,
    });
    const at = sim.accuracy.findIndex((a) => a >= 0.2);
    expect(at).toBeGreaterThan(0);
    expect([p.simulatedSteps, p.simulatedResponses]).toEqual([at, sim.responses[at]]);
    // More than one group per prompt and step was drawn before ρ* (ρ₀ ≈ 1/40, groups of 8).
    expect(p.simulatedResponses!).toBeGreaterThan(at * s.prompts * s.groupSize);
  });

  test('a cap of 1 is fixed sampling: one group per prompt and step', () => {
    const p = predictedTimes('linear-r', setup('until-success', 1), 0.2);
    const q = predictedTimes('linear-r', setup('fixed', 1), 0.2);
    expect(p).toEqual(q);
    expect(q.simulatedResponses).toBe(q.simulatedSteps! * 64 * 8);
  });
});
