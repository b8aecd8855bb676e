import { parseTrainConfig } from '../config/index.js';
import { DivergenceGuard } from './divergence-guard.js';

const guardOf = (guard: Record<string, unknown> = {}) => new DivergenceGuard(parseTrainConfig({ guard }).guard);
const update = (gradNorm: number, extra: Partial<{ loss: number; kl: number; entropy: number }> = {}) => ({
  gradNorm,
  loss: 0.5,
  kl: 0,
  entropy: 1,
  ...extra,
});

describe('DivergenceGuard', () => {
  test('defaults: a gradient norm 10⁴ × its running median is a breach naming value, limit and key; below it is not', () => {
    const guard = guardOf();
    // Before any trained step there is no scale to compare with.
    expect(guard.check(1, update(1e9))).toBeNull();
    guard.record(update(2));
    guard.record(update(0)); // a step without a gradient carries no scale
    guard.record(update(4));
    expect(guard.check(4, update(29_000))).toBeNull();
    const breach = guard.check(4, update(31_000));
    expect(breach).toMatchObject({ signal: 'gradNorm', value: 31_000, limit: 30_000, step: 4 });
    expect(breach!.message).toBe('gradient norm 3.10e+4 exceeds 3.00e+4 (guard.gradNormRatio 10000 × median 3.000 of the last 2 trained steps)');
    // Entropy and loss limits are off by default; KL stops at 10 nats per token.
    expect(guard.check(4, update(3, { kl: 9, entropy: 0, loss: 1e6 }))).toBeNull();
    expect(guard.check(4, update(3, { kl: 13.9 }))?.message).toBe('KL to the reference 13.90 exceeds guard.maxKl 10');
  });

  test('the window, warm-up and the optional limits', () => {
    const guard = guardOf({ window: 2, warmup: 3, gradNormRatio: 10, lossRatio: 5, maxKl: 0.5, minEntropy: 0.01 });
    guard.record(update(1));
    guard.record(update(100));
    expect(guard.check(3, update(5000))).toBeNull(); // still warming up
    guard.record(update(100));
    expect(guard.check(4, update(999))).toBeNull();
    expect(guard.check(4, update(1001))?.signal).toBe('gradNorm'); // median of the last 2: 100
    expect(guard.check(4, update(1, { loss: -2.6 }))).toMatchObject({ signal: 'loss', value: -2.6, limit: 2.5 });
    expect(guard.check(4, update(1, { kl: 0.6 }))).toMatchObject({ signal: 'kl', limit: 0.5 });
    expect(guard.check(4, update(1, { entropy: 0.001 }))?.message).toMatch(/entropy 0.001000 nats fell below guard.minEntropy 0.01/);
    expect(guardOf({ gradNormRatio: null }).check(9, update(1e30))).toBeNull();
  });

  test('weights: beyond guard.maxWeightAbs or non-finite is a breach naming the tensor and index', () => {
    const guard = guardOf();
    const w = (x: number) => ({ 'model.norm.weight': { data: Float32Array.of(0.5, x) } });
    expect(guard.checkWeights(3, w(999))).toBeNull();
    expect(guard.checkWeights(3, w(-1500))?.message).toBe('model.norm.weight[1] is -1500, beyond guard.maxWeightAbs 1000');
    expect(guard.checkWeights(3, w(NaN))?.message).toBe('model.norm.weight[1] is NaN');
    expect(guardOf({ maxWeightAbs: null }).checkWeights(3, w(1e30))).toBeNull();
  });
});
