import fc from 'fast-check';
import { MAX_REAL_REWARD, ZERO_VARIANCE_MODES, groupAdvantages, groupSuccessRates, successHistogram, type ZeroVarianceMode } from './group-advantages.js';
import { fromGroupScale, type Weighting } from './weighting.js';
import { WEIGHTING_NAMES, costAware, drGrpo, grpo, linearR, plateauR, reinforce, rloo, sqrtR, uniformR, weighting } from './weightings.js';
import { expectWeightsError } from './testing/expect-weights-error.js';

// groupAdvantages returns Float32: rounding an f64 result costs ≤ 2^-24 relative and the f64 result is a
// few ulps (≈ 1e-16) from the reference; one float32 ulp (2^-23) covers both.
const F32_RELATIVE = 2 ** -23;

/** Every built-in, with its defaults and with the parameter values that change its shape. */
const ALL_WEIGHTINGS: Weighting[] = [
  ...WEIGHTING_NAMES.map((name) => weighting(name)),
  grpo({ std: 'population', epsilon: 0 }),
  grpo({ std: 'sample', epsilon: 0.5 }),
  plateauR({ threshold: 0.2 }),
  costAware({ a: 1, b: 0 }),
  costAware({ a: 0, b: 1 }),
];

/** Largest |actual − expected| relative to |expected| (absolute below `floor`), over two arrays. */
function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-300): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e) continue;
    worst = Math.max(worst, Number.isFinite(a) ? Math.abs(a - e) / Math.max(Math.abs(e), floor) : Infinity);
  }
  return worst;
}

function groups(rewards: readonly number[], m: number): number[][] {
  return Array.from({ length: rewards.length / m }, (_, g) => rewards.slice(g * m, (g + 1) * m));
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

// ─── Arbitraries ──────────────────────────────────────────────────────────────────────────────

/** One group of M rewards: binary, all-equal, [0, 1]-valued, or Countdown-like {0, 0.1, 1}. */
function groupOf(m: number, kinds: 'binary' | 'unit'): fc.Arbitrary<number[]> {
  const exact = { minLength: m, maxLength: m };
  const binary = [
    fc.constant(new Array<number>(m).fill(0)),
    fc.constant(new Array<number>(m).fill(1)),
    fc.array(fc.constantFrom(0, 1), exact),
    // Rare successes, as at the start of from-scratch RL.
    fc.array(
      fc.integer({ min: 0, max: 19 }).map((x) => (x === 0 ? 1 : 0)),
      exact,
    ),
  ];
  if (kinds === 'binary') return fc.oneof(...binary);
  return fc.oneof(
    ...binary,
    fc.array(fc.double({ min: 0, max: 1, noNaN: true }), exact),
    fc.array(fc.constantFrom(0, 0.1, 1), exact),
    fc.double({ min: 0, max: 1, noNaN: true }).map((r) => new Array<number>(m).fill(r)),
  );
}

/** M in 2..64 and 1..6 groups of it, laid out contiguously. */
function batchOf(kinds: 'binary' | 'unit'): fc.Arbitrary<{ m: number; rewards: number[] }> {
  return fc.integer({ min: 2, max: 64 }).chain((m) => fc.array(groupOf(m, kinds), { minLength: 1, maxLength: 6 }).map((gs) => ({ m, rewards: gs.flat() })));
}

/** Rewards on a grid of j/1000 (non-binary, like format credit), so a group's mean carries no cancellation. */
function gridBatch(maxM = 32): fc.Arbitrary<{ m: number; rewards: number[] }> {
  return fc.integer({ min: 2, max: maxM }).chain((m) =>
    fc.integer({ min: 1, max: 5 }).chain((g) =>
      fc
        .array(
          fc.integer({ min: 0, max: 1000 }).map((j) => j / 1000),
          { minLength: g * m, maxLength: g * m },
        )
        .map((rewards) => ({ m, rewards })),
    ),
  );
}

/** Real rewards on a dyadic grid in [−64, 64] (exact sums), for the real-domain weightings. */
function realBatch(): fc.Arbitrary<{ m: number; rewards: number[] }> {
  return fc.integer({ min: 2, max: 32 }).chain((m) =>
    fc.integer({ min: 1, max: 4 }).chain((g) =>
      fc
        .array(
          fc.integer({ min: -4096, max: 4096 }).map((j) => j / 64),
          { minLength: g * m, maxLength: g * m },
        )
        .map((rewards) => ({ m, rewards })),
    ),
  );
}

// ─── Properties ───────────────────────────────────────────────────────────────────────────────

describe('no NaN or infinity, ever', () => {
  const settings = fc.record({
    w: fc.constantFrom(...ALL_WEIGHTINGS),
    zeroVariance: fc.constantFrom(...ZERO_VARIANCE_MODES),
    binarizeThreshold: fc.constantFrom(undefined, 1, 0.5, 0.1, 0),
  });

  it.each(['binary', 'unit'] as const)('%s rewards, every weighting, every zero-variance mode, with and without binarisation', (kinds) => {
    fc.assert(
      fc.property(batchOf(kinds), settings, ({ m, rewards }, { w, zeroVariance, binarizeThreshold }) => {
        const advantages = groupAdvantages(rewards, m, w, { zeroVariance, binarizeThreshold });
        return advantages.length === rewards.length && advantages.every(Number.isFinite);
      }),
      { numRuns: 400 },
    );
  });

  it('any real rewards up to MAX_REAL_REWARD in magnitude, for the real-domain weightings', () => {
    const real = ALL_WEIGHTINGS.filter((w) => w.rewardDomain === 'real');
    const batch = fc.integer({ min: 2, max: 64 }).chain((m) =>
      fc
        .array(
          fc.oneof(
            fc.array(fc.double({ min: -MAX_REAL_REWARD, max: MAX_REAL_REWARD, noNaN: true }), { minLength: m, maxLength: m }),
            fc.double({ min: -MAX_REAL_REWARD, max: MAX_REAL_REWARD, noNaN: true }).map((r) => new Array<number>(m).fill(r)),
          ),
          { minLength: 1, maxLength: 6 },
        )
        .map((gs) => ({ m, rewards: gs.flat() })),
    );
    fc.assert(
      fc.property(batch, fc.constantFrom(...real), fc.constantFrom(...ZERO_VARIANCE_MODES), ({ m, rewards }, w, zeroVariance) =>
        groupAdvantages(rewards, m, w, { zeroVariance }).every(Number.isFinite),
      ),
      { numRuns: 300 },
    );
    // At the limit itself: A = ±1e30 for Dr. GRPO, still a finite float32.
    expect(Array.from(groupAdvantages([MAX_REAL_REWARD, -MAX_REAL_REWARD], 2, drGrpo()))).toEqual([Math.fround(1e30), Math.fround(-1e30)]);
  });

  it('the zero-variance mode changes only the groups whose rewards are all equal', () => {
    fc.assert(
      fc.property(batchOf('unit'), fc.constantFrom(...ALL_WEIGHTINGS), ({ m, rewards }, w) => {
        const byMode = ZERO_VARIANCE_MODES.map((zeroVariance) => groupAdvantages(rewards, m, w, { zeroVariance }));
        for (let g = 0; g < rewards.length / m; g++) {
          const group = rewards.slice(g * m, (g + 1) * m);
          if (group.every((r) => r === group[0])) continue;
          for (const other of byMode.slice(1)) {
            for (let i = g * m; i < (g + 1) * m; i++) if (!Object.is(other[i], byMode[0]![i])) return false;
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });
});

describe('weightings silent at the endpoints give zero-sum groups', () => {
  const silent = [...ALL_WEIGHTINGS.filter((w) => w.silentAtEndpoints && w.centred), fromGroupScale((_mean, variance) => 1 / (variance + 0.25), { name: 'custom-scale' })];

  it('the silent, centred built-ins are GRPO, RLOO, Dr. GRPO (and cost-aware with b = 0)', () => {
    expect(silent.map((w) => w.name)).toEqual(['grpo', 'rloo', 'dr-grpo', 'grpo', 'grpo', 'cost-aware', 'custom-scale']);
  });

  function sumIsZero(rewards: number[], m: number, w: Weighting): boolean {
    const advantages = groupAdvantages(rewards, m, w);
    for (let start = 0; start < rewards.length; start += m) {
      let sum = 0;
      let scale = 0;
      for (let i = start; i < start + m; i++) {
        sum += advantages[i]!;
        scale += Math.abs(advantages[i]!);
      }
      // Each advantage was rounded to float32 (≤ 2^-24 relative) before this f64 sum.
      if (!(Math.abs(sum) <= F32_RELATIVE * scale)) return false;
    }
    return true;
  }

  it.each(silent.map((w) => [`${w.name} ${JSON.stringify(w.parameters)}`, w] as const))('%s: binary and graded rewards', (_title, w) => {
    fc.assert(
      fc.property(batchOf('binary'), ({ m, rewards }) => sumIsZero(rewards, m, w)),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(gridBatch(), ({ m, rewards }) => sumIsZero(rewards, m, w)),
      { numRuns: 100 },
    );
  });

  it('real-valued rewards for the real-domain ones', () => {
    for (const w of silent.filter((x) => x.rewardDomain === 'real')) {
      fc.assert(
        fc.property(realBatch(), ({ m, rewards }) => sumIsZero(rewards, m, w)),
        { numRuns: 100 },
      );
    }
  });

  it('the -R family is not zero-sum on an unsolved group (every response gets −h(0))', () => {
    const unsolved = new Array<number>(8).fill(0);
    for (const w of [linearR(), sqrtR(), uniformR(), plateauR()]) expect(Array.from(groupAdvantages(unsolved, 8, w))).toEqual(new Array(8).fill(-1));
  });
});

// ─── Rules for general rewards, checked against direct computation ──────────────────────────────

describe('non-binary rewards: A_i = ω(ρ̂)·(r_i − ρ̂) with ρ̂ the mean reward', () => {
  // ω = h(ρ)/(ρ(1−ρ)) written out from each weighting's definition.
  const unitOmegas: [Weighting, (rho: number) => number][] = [
    [linearR(), (rho) => 1 / rho],
    [sqrtR(), (rho) => 1 / (rho * Math.sqrt(1 - rho))],
    [uniformR(), (rho) => 1 / (rho * (1 - rho))],
    [plateauR(), (rho) => (rho <= 0.5 ? 1 : 2 * (1 - rho)) / (rho * (1 - rho))],
    [plateauR({ threshold: 0.2 }), (rho) => (rho <= 0.2 ? 1 : (1 - rho) / 0.8) / (rho * (1 - rho))],
    [costAware({ a: 2, b: 1 }), (rho) => Math.sqrt(((2 * rho + 1) * (1 - rho)) / 3) / (rho * (1 - rho))],
  ];

  function direct(rewards: number[], m: number, omega: (rho: number) => number): number[] {
    return groups(rewards, m).flatMap((group) => {
      const rho = mean(group);
      if (group.every((r) => r === group[0])) return group.map(() => NaN); // zero variance: checked elsewhere
      return group.map((r) => omega(rho) * (r - rho));
    });
  }

  it('Countdown-style groups (1 / 0.1 / 0): Linear-R gives r_i/ρ̂ − 1', () => {
    const rewards = [1, 0.1, 0.1, 0, 0.1, 0.1, 0.1, 0.1];
    const rho = 0.2; // (1 + 6·0.1)/8
    const expected = rewards.map((r) => r / rho - 1);
    expect(maxError(groupAdvantages(rewards, 8, linearR()), expected)).toBeLessThanOrEqual(F32_RELATIVE);
  });

  it.each(unitOmegas.map(([w, omega]) => [`${w.name} ${JSON.stringify(w.parameters)}`, w, omega] as const))('%s', (_title, w, omega) => {
    fc.assert(
      fc.property(gridBatch(), ({ m, rewards }) => {
        const expected = direct(rewards, m, omega);
        const actual = groupAdvantages(rewards, m, w);
        const keep = expected.map((e) => !Number.isNaN(e));
        return (
          maxError(
            actual.filter((_, i) => keep[i]),
            expected.filter((_, i) => keep[i]),
          ) <= F32_RELATIVE
        );
      }),
      { numRuns: 150 },
    );
  });

  it('a group of equal non-binary rewards gets 0 from a centred weighting (r_i − ρ̂ = 0)', () => {
    for (const w of ALL_WEIGHTINGS.filter((x) => x.centred)) {
      expect(Array.from(groupAdvantages([0.1, 0.1, 0.1, 0.1], 4, w))).toEqual([0, 0, 0, 0]);
    }
  });
});

describe('RLOO is the true leave-one-out baseline for any rewards', () => {
  function leaveOneOut(rewards: number[], m: number): number[] {
    return groups(rewards, m).flatMap((group) =>
      group.map((r, i) => {
        let others = 0;
        for (let j = 0; j < m; j++) if (j !== i) others += group[j]!;
        return r - others / (m - 1);
      }),
    );
  }

  it('on graded and on real rewards (including constant groups, whose baseline is the reward itself)', () => {
    for (const batch of [gridBatch(), realBatch()]) {
      fc.assert(
        fc.property(batch, ({ m, rewards }) => {
          const expected = leaveOneOut(rewards, m);
          // Where r_i equals the others' mean the two computations cancel to different ~1e-16·max|r| residues:
          // compare such advantages absolutely, at 2^-23 · 1e-6·max|r| ≈ 1e-13·max|r| (a few hundred f64 ulps).
          const floor = Math.max(1e-6 * Math.max(...rewards.map(Math.abs)), 1e-300);
          return maxError(groupAdvantages(rewards, m, rloo()), expected, floor) <= F32_RELATIVE;
        }),
        { numRuns: 150 },
      );
    }
  });

  it('by hand: [3, −1, 0.5, 2] gives [3 − 1.5/3, −1 − 5.5/3, 0.5 − 4/3, 2 − 2.5/3]', () => {
    const expected = [3 - 1.5 / 3, -1 - 5.5 / 3, 0.5 - 4 / 3, 2 - 2.5 / 3];
    expect(maxError(groupAdvantages([3, -1, 0.5, 2], 4, rloo()), expected)).toBeLessThanOrEqual(F32_RELATIVE);
  });
});

describe('GRPO is (r − mean)/(std + ε) for any real rewards', () => {
  function reference(rewards: number[], m: number, std: 'sample' | 'population', epsilon: number): number[] {
    return groups(rewards, m).flatMap((group) => {
      const mu = mean(group);
      const squares = group.reduce((s, r) => s + (r - mu) ** 2, 0);
      const sigma = Math.sqrt(squares / (std === 'sample' ? m - 1 : m));
      return group.map((r) => (r - mu) / (sigma + epsilon));
    });
  }

  it.each([
    ['sample', 1e-6],
    ['population', 1e-6],
    ['sample', 0.3],
    ['population', 0],
  ] as const)('std %s, ε = %p', (std, epsilon) => {
    const w = grpo({ std, epsilon });
    fc.assert(
      fc.property(realBatch(), ({ m, rewards }) => {
        const expected = reference(rewards, m, std, epsilon);
        // Constant groups: (r − mean) = 0 exactly; the reference's 0/(0 + 0) at ε = 0 is the one NaN.
        const fixed = expected.map((e) => (Number.isNaN(e) ? 0 : e));
        return maxError(groupAdvantages(rewards, m, w), fixed) <= F32_RELATIVE;
      }),
      { numRuns: 150 },
    );
  });

  it('rewards above 1, negative, and far from 0 (f32 storage must not eat the differences)', () => {
    const cases: number[][] = [
      [5, -3, 0.5, 12],
      [-2, -2, -7, -1],
      [1000.1, 1000.3, 1000.2, 999.9],
      [1e6 + 0.25, 1e6 - 0.25, 1e6, 1e6 + 0.5],
    ];
    for (const rewards of cases) {
      for (const std of ['sample', 'population'] as const) {
        const expected = reference(rewards, 4, std, 1e-6);
        expect(maxError(groupAdvantages(rewards, 4, grpo({ std })), expected)).toBeLessThanOrEqual(F32_RELATIVE);
      }
    }
  });

  it('Dr. GRPO is r − mean and REINFORCE is r, for real rewards too', () => {
    const rewards = [5, -3, 0.5, 12, 2, 2, 2, 3];
    const drExpected = groups(rewards, 4).flatMap((g) => g.map((r) => r - mean(g)));
    expect(maxError(groupAdvantages(rewards, 4, drGrpo()), drExpected)).toBeLessThanOrEqual(F32_RELATIVE);
    expect(Array.from(groupAdvantages(rewards, 4, reinforce()))).toEqual(rewards);
  });
});

// ─── Zero-variance groups, binarisation, `out` ──────────────────────────────────────────────────

describe('zero-variance modes', () => {
  const M = 4;
  // Groups: all wrong, all right, all 0.1 (format credit only), mixed.
  const rewards = [0, 0, 0, 0, 1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1, 1, 0, 0, 0];
  const rows = (w: Weighting, zeroVariance: ZeroVarianceMode): number[] => {
    const a = groupAdvantages(rewards, M, w, { zeroVariance });
    return [a[0]!, a[4]!, a[8]!];
  };

  it("'weighting' (the default): −h(0) for all wrong, h(1) for all right, 0 for another constant (REINFORCE: r)", () => {
    const expected: [Weighting, number[]][] = [
      [grpo(), [0, 0, 0]],
      [rloo(), [0, 0, 0]],
      [drGrpo(), [0, 0, 0]],
      [reinforce(), [0, 1, Math.fround(0.1)]],
      [linearR(), [-1, 0, 0]],
      [sqrtR(), [-1, 0, 0]],
      [uniformR(), [-1, 1, 0]],
      [plateauR(), [-1, 0, 0]],
      [costAware({ a: 1, b: 3 }), [Math.fround(-Math.sqrt(3 / 4)), 0, 0]],
    ];
    for (const [w, values] of expected) {
      expect(rows(w, 'weighting')).toEqual(values);
      expect(Array.from(groupAdvantages(rewards, M, w)).slice(0, 12)).toEqual(Array.from(groupAdvantages(rewards, M, w, { zeroVariance: 'weighting' })).slice(0, 12));
    }
  });

  it("'zero': no gradient from any zero-variance group, for every weighting", () => {
    for (const w of ALL_WEIGHTINGS) expect(rows(w, 'zero')).toEqual([0, 0, 0]);
  });

  it("'reinforce': −1 per response of an unsolved group, 0 for the other zero-variance groups", () => {
    for (const w of ALL_WEIGHTINGS) expect(rows(w, 'reinforce')).toEqual([-1, 0, 0]);
  });

  it('every response of a zero-variance group gets the same value, and mixed groups are untouched', () => {
    for (const w of ALL_WEIGHTINGS) {
      for (const zeroVariance of ZERO_VARIANCE_MODES) {
        const a = groupAdvantages(rewards, M, w, { zeroVariance });
        for (let g = 0; g < 3; g++) expect(new Set(Array.from(a.subarray(g * M, (g + 1) * M))).size).toBe(1);
        expect(Array.from(a.subarray(12))).toEqual(Array.from(groupAdvantages(rewards.slice(12), M, w)));
      }
    }
  });

  it('rejects an unknown mode', () => {
    expectWeightsError(() => groupAdvantages(rewards, M, linearR(), { zeroVariance: 'skip' as ZeroVarianceMode }), 'zeroVariance', /weighting, zero, reinforce/);
  });
});

describe('binarizeThreshold', () => {
  it('turns rewards ≥ threshold into 1 and the rest into 0 before weighting', () => {
    const rewards = [1, 0.1, 0, 0.1, 0.1, 0.1, 0.1, 0];
    for (const w of ALL_WEIGHTINGS) {
      expect(groupAdvantages(rewards, 4, w, { binarizeThreshold: 1 })).toEqual(groupAdvantages([1, 0, 0, 0, 0, 0, 0, 0], 4, w));
      expect(groupAdvantages(rewards, 4, w, { binarizeThreshold: 0.1 })).toEqual(groupAdvantages([1, 1, 0, 1, 1, 1, 1, 0], 4, w));
    }
  });

  it('lets Linear-R ignore format credit: one success in 4 → A = 3 for it, −1 for the rest', () => {
    expect(Array.from(groupAdvantages([0.1, 1, 0.1, 0], 4, linearR(), { binarizeThreshold: 1 }))).toEqual([-1, 3, -1, -1]);
  });

  it('accepts any finite reward, since it is binarised before the [0, 1] check', () => {
    expect(Array.from(groupAdvantages([7, -2], 2, linearR(), { binarizeThreshold: 0 }))).toEqual([1, -1]);
  });

  it('rejects a threshold that is not finite', () => {
    for (const t of [NaN, Infinity]) expectWeightsError(() => groupAdvantages([0, 1], 2, linearR(), { binarizeThreshold: t }), 'binarizeThreshold');
  });
});

describe('the out option', () => {
  it('writes into the given array, overwriting what was there, and returns it', () => {
    const rewards = [1, 0, 0, 0, 0.1, 0.7, 0.1, 0, 0, 0, 0, 0];
    for (const w of ALL_WEIGHTINGS) {
      const out = new Float32Array(rewards.length).fill(NaN);
      const returned = groupAdvantages(rewards, 4, w, { out });
      expect(returned).toBe(out);
      expect(out).toEqual(groupAdvantages(rewards, 4, w));
    }
  });

  it('rejects an array of the wrong length', () => {
    expectWeightsError(() => groupAdvantages([0, 1, 1, 0], 2, grpo(), { out: new Float32Array(3) }), 'out', /expected length 4, got 3/);
  });
});

describe('by name, and the numbers of paper.md §2.3 (M = 16)', () => {
  it('a weighting given by name behaves as the constructed one', () => {
    const rewards = [1, 0, 0, 0, 0.5, 0.25, 0, 1];
    expect(groupAdvantages(rewards, 4, 'sqrt-r')).toEqual(groupAdvantages(rewards, 4, sqrtR()));
    expectWeightsError(() => groupAdvantages(rewards, 4, 'sqrt'), 'weighting');
  });

  it('largest advantages: Linear-R 15, Sqrt-R ≈ 15.5 and −4, Uniform-R 16 and −16', () => {
    const one = [1, ...new Array<number>(15).fill(0)];
    const fifteen = [0, ...new Array<number>(15).fill(1)];
    expect(groupAdvantages(one, 16, linearR())[0]).toBe(15);
    expect(groupAdvantages(one, 16, sqrtR())[0]).toBeCloseTo(15.49, 2); // √(15/16)·16 = 15.4919…
    expect(groupAdvantages(fifteen, 16, sqrtR())[0]).toBe(-4);
    expect(groupAdvantages(one, 16, uniformR())[0]).toBe(16);
    expect(groupAdvantages(fifteen, 16, uniformR())[0]).toBe(-16);
  });
});

// ─── Errors ─────────────────────────────────────────────────────────────────────────────────────

describe('input errors name the argument', () => {
  it('rewards not a multiple of the group size', () => {
    expectWeightsError(() => groupAdvantages([0, 1, 1], 2, linearR()), 'rewards', /multiple of groupSize = 2 rewards, got 3/);
  });

  it('group size below 2 or not an integer', () => {
    for (const m of [1, 0, -2, 2.5, NaN, Infinity]) expectWeightsError(() => groupAdvantages([0, 1, 1, 0], m, linearR()), 'groupSize');
  });

  it('a NaN or infinite reward is named by its index, in any group, for every weighting', () => {
    for (const w of ALL_WEIGHTINGS) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const rewards = [0, 1, 1, 0, 0, 0, 1, 0, 1, bad, 0, 0];
        expectWeightsError(() => groupAdvantages(rewards, 4, w), 'rewards[9]', /rewards\[9\]: expected a finite number/);
        expectWeightsError(() => groupAdvantages(rewards, 4, w, { binarizeThreshold: 0.5 }), 'rewards[9]');
      }
    }
  });

  it('a reward outside [0, 1] for a unit-domain weighting, accepted by the real-domain ones', () => {
    for (const w of ALL_WEIGHTINGS) {
      for (const bad of [1.5, -0.1]) {
        const rewards = [0, 1, bad, 0];
        if (w.rewardDomain === 'unit') expectWeightsError(() => groupAdvantages(rewards, 2, w), 'rewards[2]', new RegExp(`a reward in \\[0, 1\\] for ${w.name}`));
        else expect(groupAdvantages(rewards, 2, w).every(Number.isFinite)).toBe(true);
      }
    }
  });

  it('a real reward beyond MAX_REAL_REWARD in magnitude, where sums and squares would overflow', () => {
    for (const w of ALL_WEIGHTINGS.filter((x) => x.rewardDomain === 'real')) {
      expectWeightsError(() => groupAdvantages([0, 1, 2, -1.5e30], 2, w), 'rewards[3]', /magnitude at most 1e\+30/);
      expectWeightsError(() => groupAdvantages([1e300, 1e300], 2, w), 'rewards[0]');
    }
  });
});

// ─── Success rates and histogram ────────────────────────────────────────────────────────────────

describe('groupSuccessRates and successHistogram', () => {
  const rewards = [1, 0, 0, 1, 0.1, 0.1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0.1];

  it('success rate per group: the mean reward, or the success fraction with a threshold', () => {
    const rates = groupSuccessRates(rewards, 4);
    expect(rates).toBeInstanceOf(Float64Array);
    expect(Array.from(rates).map((r) => +r.toFixed(12))).toEqual([0.5, 0.3, 0, 1, 0.775]);
    expect(Array.from(groupSuccessRates(rewards, 4, 1))).toEqual([0.5, 0.25, 0, 1, 0.75]);
    expect(Array.from(groupSuccessRates(rewards, 4, 0.1))).toEqual([0.5, 0.75, 0, 1, 1]);
    expect(Array.from(groupSuccessRates([0.3, 0.9], 1))).toEqual([0.3, 0.9]);
  });

  it('histogram of successes k = 0..M per group (paper Fig. 3)', () => {
    expect(successHistogram(rewards, 4)).toEqual([1, 1, 1, 1, 1]); // k = 0, 1, 2, 3, 4 once each
    expect(successHistogram(rewards, 4, 0.1)).toEqual([1, 0, 1, 1, 2]); // k = 2, 3, 0, 4, 4
    expect(successHistogram([], 4)).toEqual([0, 0, 0, 0, 0]);
  });

  it('the histogram counts every group once, for random binary batches', () => {
    fc.assert(
      fc.property(batchOf('binary'), ({ m, rewards: r }) => {
        const counts = successHistogram(r, m);
        const k = groups(r, m).map((g) => g.reduce((s, x) => s + x, 0));
        return counts.length === m + 1 && counts.every((c, j) => c === k.filter((x) => x === j).length);
      }),
      { numRuns: 100 },
    );
  });

  it('errors name the argument', () => {
    expectWeightsError(() => groupSuccessRates([0, 1, 1], 2), 'rewards');
    expectWeightsError(() => groupSuccessRates([0, 1], 0), 'groupSize');
    expectWeightsError(() => groupSuccessRates([0, NaN], 2), 'rewards[1]');
    expectWeightsError(() => successHistogram([0, 1, 1], 2), 'rewards');
  });
});

describe('groups whose rewards differ by less than the square root of the smallest double', () => {
  it('are not mistaken for constant groups: Linear-R still gives +1 / −1 on [0, 1e-200]', () => {
    // mean = 5e-201, so (r − ρ̂)/ρ̂ = ±1 and h(ρ̂)/(1 − ρ̂) = 1 up to 5e-201: A = ±1 exactly in f32.
    expect(Array.from(groupAdvantages([0, 1e-200], 2, linearR()))).toEqual([-1, 1]);
  });

  it('stay finite for subnormal success rates, where ω = 1/ρ̂ itself would overflow', () => {
    // ρ̂ = 5e-321 is subnormal: 1/ρ̂ = ∞ in f64, yet (r − ρ̂)/ρ̂ = ±1 is representable.
    const advantages = Array.from(groupAdvantages([0, 1e-320], 2, sqrtR()));
    expect(advantages.every(Number.isFinite)).toBe(true);
    expect(advantages[0]).toBeCloseTo(-1, 6);
    expect(advantages[1]).toBeCloseTo(1, 6);
  });

  it('give GRPO with ε = 0 no signal rather than ∞ when their variance underflows', () => {
    // (1e-200)² underflows to 0, so 1/std is ∞; the documented fallback is a zero advantage.
    expect(Array.from(groupAdvantages([0, 1e-200], 2, grpo({ epsilon: 0 })))).toEqual([0, 0]);
    // With the default ε = 1e-6 the true value (r − mean)/(std + ε) ≈ ±5e-195 rounds to ±0 in f32.
    expect(Array.from(groupAdvantages([0, 1e-200], 2, grpo())).map(Math.abs)).toEqual([0, 0]);
  });
});
