import { groupAdvantages } from './group-advantages.js';
import { fromEffectiveWeight, fromGroupScale, responseAdvantages } from './weighting.js';
import { linearR } from './weightings.js';
import { expectWeightsError } from './testing/expect-weights-error.js';

// groupAdvantages returns Float32: one rounding (2^-24 relative) plus a few f64 ulps; one f32 ulp covers it.
const F32_RELATIVE = 2 ** -23;

function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    worst = Math.max(worst, a === e ? 0 : Math.abs(a - e) / Math.max(Math.abs(e), 1e-300));
  }
  return worst;
}

describe('fromEffectiveWeight', () => {
  const custom = fromEffectiveWeight((rho) => 1 - rho, { name: 'my-linear' });

  it('re-creates Linear-R from h = 1 − ρ: A_correct = (1 − ρ̂)/ρ̂, A_wrong = −1, for every k of M = 12', () => {
    const m = 12;
    const rewards: number[] = [];
    const expected: number[] = [];
    for (let k = 0; k <= m; k++) {
      for (let i = 0; i < m; i++) {
        const r = i < k ? 1 : 0;
        rewards.push(r);
        const rho = k / m;
        // k = M: all correct get h(1) = 0; k = 0: all wrong get −h(0) = −1.
        expected.push(r === 1 ? (k === m ? 0 : (1 - rho) / rho) : -1);
      }
    }
    const advantages = groupAdvantages(rewards, m, custom);
    expect(maxRelativeError(advantages, expected)).toBeLessThanOrEqual(F32_RELATIVE);
    // …and exactly what the built-in gives, on binary and on non-binary groups.
    const mixed = [1, 0.1, 0.1, 0, 0.5, 0.5, 0.5, 0.25, 0, 0, 0, 0];
    for (const group of [rewards, mixed]) expect(groupAdvantages(group, m, custom)).toEqual(groupAdvantages(group, m, linearR()));
  });

  it('is asymmetric, centred and unit-domain, with defaults for the metadata it was not given', () => {
    expect(custom.symmetric).toBe(false);
    expect(custom.centred).toBe(true);
    expect(custom.rewardDomain).toBe('unit');
    expect(custom.label).toBe('my-linear');
    expect(custom.provenance).toBe('custom');
    expect(custom.note).toBe('');
    expect(custom.parameters).toEqual({});
    expect(custom.breakpoints).toEqual([]);
    expect(custom.omega(0.25)).toBeCloseTo(4, 14); // ω = h/(ρ(1−ρ)) = 1/ρ
    expect(custom.omega(0)).toBe(Infinity);
  });

  it('copies and freezes the metadata it was given', () => {
    const parameters = { k: 2 };
    const breakpoints = [0.4];
    const w = fromEffectiveWeight((rho) => Math.min(1, rho), { name: 'x', label: 'X', provenance: 'inferred', note: 'n', parameters, breakpoints });
    parameters.k = 3;
    breakpoints.push(0.6);
    expect(w.parameters).toEqual({ k: 2 });
    expect(w.breakpoints).toEqual([0.4]);
    expect(Object.isFrozen(w.parameters) && Object.isFrozen(w.breakpoints)).toBe(true);
    expect([w.label, w.provenance, w.note]).toEqual(['X', 'inferred', 'n']);
  });

  it('a symmetric h (zero at both ends) gives zero-sum groups and no gradient from all-equal groups', () => {
    const twiceDr = fromEffectiveWeight((rho) => 2 * rho * (1 - rho), { name: 'twice-dr-grpo' });
    expect(twiceDr.symmetric).toBe(true);
    const rewards = [1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0.3, 0.7, 0.1, 0.9];
    const advantages = groupAdvantages(rewards, 4, twiceDr);
    // ω = 2 for every group: A = 2(r − mean), computed here from the definition.
    const expected = rewards.map((r, i) => {
      const g = Math.floor(i / 4) * 4;
      const mean = (rewards[g]! + rewards[g + 1]! + rewards[g + 2]! + rewards[g + 3]!) / 4;
      return 2 * (r - mean);
    });
    expect(maxRelativeError(advantages, expected)).toBeLessThanOrEqual(F32_RELATIVE);
    expect(Array.from(advantages.subarray(8, 12))).toEqual([0, 0, 0, 0]);
  });

  it('rejects an h that is negative, NaN or infinite somewhere on [0, 1]', () => {
    expectWeightsError(() => fromEffectiveWeight((rho) => rho - 0.5, { name: 'neg' }), 'h', /h\(0\) = -0\.5/);
    expectWeightsError(() => fromEffectiveWeight(() => NaN, { name: 'nan' }), 'h', /finite and ≥ 0/);
    expectWeightsError(() => fromEffectiveWeight((rho) => 1 / rho, { name: 'inf' }), 'h', /h\(0\) = Infinity/);
    expectWeightsError(() => fromEffectiveWeight((rho) => (rho === 0.75 ? -1 : 1), { name: 'dip' }), 'h', /h\(0\.75\)/);
  });
});

describe('fromGroupScale', () => {
  const scaled = fromGroupScale(() => 3, { name: 'three' });

  it('gives A = ω(mean, variance, M)·(r − mean) for any finite rewards, and 0 for constant groups', () => {
    const rewards = [2, -1, 0.5, 7, 4, 4, 4, 4];
    const advantages = groupAdvantages(rewards, 4, scaled);
    const mean = (2 - 1 + 0.5 + 7) / 4;
    const expected = [...rewards.slice(0, 4).map((r) => 3 * (r - mean)), 0, 0, 0, 0];
    expect(maxRelativeError(advantages, expected)).toBeLessThanOrEqual(F32_RELATIVE);
  });

  it('passes the group mean, population variance and size to the scale', () => {
    const calls: number[][] = [];
    const spy = fromGroupScale(
      (mean, variance, m) => {
        calls.push([mean, variance, m]);
        return 1;
      },
      { name: 'spy' },
    );
    groupAdvantages([0.2, 0.4, 0.9], 3, spy);
    const mean = 0.5;
    const variance = (0.3 ** 2 + 0.1 ** 2 + 0.4 ** 2) / 3;
    // The last call is the one for this group (an implementation may also tabulate binary groups first).
    const [m0, v0, n0] = calls.at(-1)!;
    // Sums of three doubles: a few ulps.
    expect(Math.abs(m0! - mean)).toBeLessThan(1e-15);
    expect(Math.abs(v0! - variance)).toBeLessThan(1e-15);
    expect(n0).toBe(3);
  });

  it('is symmetric, centred, real-domain, with h exactly 0 at both ends', () => {
    expect([scaled.symmetric, scaled.centred, scaled.rewardDomain]).toEqual([true, true, 'real']);
    expect(scaled.effectiveWeight(0)).toBe(0);
    expect(scaled.effectiveWeight(1)).toBe(0);
    expect(scaled.effectiveWeight(0.5)).toBeCloseTo(0.75, 15); // 3·ρ(1−ρ)
    expect(scaled.omega(0.3)).toBe(3);
    expect(responseAdvantages(scaled, 0, 4)).toEqual({ correct: null, wrong: 0 });
    expect(responseAdvantages(scaled, 1, 4)).toEqual({ correct: 0, wrong: null });
  });
});

describe('responseAdvantages', () => {
  it('rejects a success rate outside [0, 1] or NaN', () => {
    for (const rho of [-0.01, 1.01, NaN, Infinity]) expectWeightsError(() => responseAdvantages(linearR(), rho), 'rho');
  });

  it('does not need a group size for unit weightings: A_correct(0.2) = 4, A_wrong = −1 for Linear-R', () => {
    const { correct, wrong } = responseAdvantages(linearR(), 0.2);
    expect(correct).toBeCloseTo(4, 14); // (1 − 0.2)/0.2, a few ulps
    expect(wrong).toBe(-1);
  });
});
