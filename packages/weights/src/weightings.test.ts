import { groupAdvantages } from './group-advantages.js';
import { responseAdvantages, type Weighting } from './weighting.js';
import { WEIGHTING_NAMES, costAware, drGrpo, grpo, isWeightingName, linearR, plateauR, reinforce, rloo, sqrtR, uniformR, weighting, type WeightingParameters } from './weightings.js';
import { expectWeightsError } from './testing/expect-weights-error.js';

const GROUP_SIZES = [2, 4, 8, 16, 32];

// Outputs of groupAdvantages are Float32: one rounding of the f64 value is ≤ 2^-24 relative, and the
// f64 value itself is a few ulps (≈ 1e-16) from the closed form. One float32 ulp (2^-23) covers both.
const F32_RELATIVE = 2 ** -23;
// responseAdvantages stays in f64; the code and the closed forms order the same operations
// differently (e.g. ω·ρ(1−ρ)/ρ against (1−ρ)/σ), which costs a few ulps, far below 1e-12.
const F64_RELATIVE = 1e-12;

/** A built-in weighting with its closed-form advantages, written from the formulas of paper.md §2. */
interface ClosedFormCase {
  title: string;
  name: string;
  parameters: WeightingParameters;
  make: () => Weighting;
  /** A(correct), A(wrong) for 0 < ρ < 1 in a binary group of M. */
  correct: (rho: number, m: number) => number;
  wrong: (rho: number, m: number) => number;
  /** What every response of an all-wrong (ρ̂ = 0) and an all-right (ρ̂ = 1) group gets: −h(0) and h(1). */
  allWrong: number;
  allRight: number;
}

function grpoCase(std: 'sample' | 'population', epsilon: number | undefined): ClosedFormCase {
  const eps = epsilon ?? 1e-6; // verl's default, documented by grpo()
  const sigma = (rho: number, m: number): number => (std === 'population' ? Math.sqrt(rho * (1 - rho)) : Math.sqrt((m / (m - 1)) * rho * (1 - rho)));
  const parameters: WeightingParameters = epsilon === undefined ? { std } : { std, epsilon };
  return {
    title: `grpo std=${std} ε=${eps}`,
    name: 'grpo',
    parameters,
    make: () => grpo(parameters),
    correct: (rho, m) => (1 - rho) / (sigma(rho, m) + eps),
    wrong: (rho, m) => (0 - rho) / (sigma(rho, m) + eps),
    allWrong: 0,
    allRight: 0,
  };
}

function plateauCase(tau: number | undefined): ClosedFormCase {
  const t = tau ?? 0.5;
  const h = (rho: number): number => (rho <= t ? 1 : (1 - rho) / (1 - t));
  const parameters: WeightingParameters = tau === undefined ? {} : { threshold: tau };
  return {
    title: `plateau-r τ=${t}`,
    name: 'plateau-r',
    parameters,
    make: () => plateauR(parameters),
    correct: (rho) => h(rho) / rho,
    wrong: (rho) => -h(rho) / (1 - rho),
    allWrong: -1,
    allRight: 0,
  };
}

function costAwareCase(a: number, b: number): ClosedFormCase {
  const h = (rho: number): number => Math.sqrt(((a * rho + b) * (1 - rho)) / (a + b));
  return {
    title: `cost-aware a=${a} b=${b}`,
    name: 'cost-aware',
    parameters: { a, b },
    make: () => costAware({ a, b }),
    correct: (rho) => h(rho) / rho,
    wrong: (rho) => -h(rho) / (1 - rho),
    allWrong: -Math.sqrt(b / (a + b)),
    allRight: 0,
  };
}

const CASES: ClosedFormCase[] = [
  grpoCase('sample', undefined),
  grpoCase('population', undefined),
  grpoCase('sample', 0.1),
  grpoCase('population', 0),
  {
    title: 'rloo',
    name: 'rloo',
    parameters: {},
    make: rloo,
    correct: (rho, m) => (m / (m - 1)) * (1 - rho),
    wrong: (rho, m) => -(m / (m - 1)) * rho,
    allWrong: 0,
    allRight: 0,
  },
  {
    title: 'dr-grpo',
    name: 'dr-grpo',
    parameters: {},
    make: drGrpo,
    correct: (rho) => 1 - rho,
    wrong: (rho) => -rho,
    allWrong: 0,
    allRight: 0,
  },
  {
    title: 'reinforce',
    name: 'reinforce',
    parameters: {},
    make: reinforce,
    correct: () => 1,
    wrong: () => 0,
    allWrong: 0,
    allRight: 1,
  },
  {
    title: 'linear-r',
    name: 'linear-r',
    parameters: {},
    make: linearR,
    correct: (rho) => (1 - rho) / rho,
    wrong: () => -1,
    allWrong: -1,
    allRight: 0,
  },
  {
    title: 'sqrt-r',
    name: 'sqrt-r',
    parameters: {},
    make: sqrtR,
    correct: (rho) => Math.sqrt(1 - rho) / rho,
    wrong: (rho) => -1 / Math.sqrt(1 - rho),
    allWrong: -1,
    allRight: 0,
  },
  {
    title: 'uniform-r',
    name: 'uniform-r',
    parameters: {},
    make: uniformR,
    correct: (rho) => 1 / rho,
    wrong: (rho) => -1 / (1 - rho),
    allWrong: -1,
    allRight: 1,
  },
  plateauCase(undefined),
  plateauCase(0.25),
  plateauCase(0.75),
  costAwareCase(1, 1),
  costAwareCase(3, 0.5),
];

/** B = M + 1 binary groups laid out one after the other, group k holding k ones at scattered positions. */
function everySuccessCount(m: number): Float32Array {
  const rewards = new Float32Array((m + 1) * m);
  for (let k = 0; k <= m; k++) {
    // i ↦ (5i + k) mod M is a permutation of 0..M−1 for the even M used here only when gcd(5, M) = 1,
    // which holds for powers of two: the ones are spread over the group instead of sitting first.
    for (let i = 0; i < m; i++) rewards[k * m + i] = (5 * i + k) % m < k ? 1 : 0;
  }
  return rewards;
}

function relativeError(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.abs(expected);
}

describe('built-in weightings against their closed-form advantages', () => {
  it('the layout helper really puts k ones in group k', () => {
    for (const m of GROUP_SIZES) {
      const rewards = everySuccessCount(m);
      for (let k = 0; k <= m; k++) expect(rewards.subarray(k * m, (k + 1) * m).reduce((s, r) => s + r, 0)).toBe(k);
    }
  });

  describe.each(CASES)('$title', (c) => {
    const builds = (): Weighting[] => [c.make(), weighting(c.name, c.parameters)];

    it('groupAdvantages on binary groups with k = 0..M successes, M ∈ {2, 4, 8, 16, 32}', () => {
      const mismatches: string[] = [];
      let worst = 0;
      for (const w of builds()) {
        for (const m of GROUP_SIZES) {
          const rewards = everySuccessCount(m);
          const advantages = groupAdvantages(rewards, m, w);
          for (let k = 0; k <= m; k++) {
            const rho = k / m;
            for (let i = k * m; i < (k + 1) * m; i++) {
              const actual = advantages[i]!;
              if (k === 0 || k === m) {
                // Endpoints are exact constants (and +0, never −0, where h is 0 there).
                const expected = k === 0 ? c.allWrong : c.allRight;
                const exact = Number.isInteger(expected) ? Object.is(actual, expected) : relativeError(actual, expected) <= F32_RELATIVE;
                if (!exact) mismatches.push(`M=${m} k=${k}: got ${actual}, expected ${expected}`);
                continue;
              }
              const expected = rewards[i] === 1 ? c.correct(rho, m) : c.wrong(rho, m);
              const error = relativeError(actual, expected);
              worst = Math.max(worst, error);
              if (!(error <= F32_RELATIVE)) mismatches.push(`M=${m} k=${k} r=${rewards[i]}: got ${actual}, expected ${expected}`);
            }
          }
        }
      }
      expect(mismatches).toEqual([]);
      expect(worst).toBeLessThanOrEqual(F32_RELATIVE);
    });

    it('responseAdvantages at ρ = k/M for k = 0..M, with null where no such response exists', () => {
      const mismatches: string[] = [];
      for (const w of builds()) {
        for (const m of GROUP_SIZES) {
          for (let k = 0; k <= m; k++) {
            const rho = k / m;
            const { correct, wrong } = responseAdvantages(w, rho, m);
            const expectedCorrect = k === 0 ? null : k === m ? c.allRight : c.correct(rho, m);
            const expectedWrong = k === m ? null : k === 0 ? c.allWrong : c.wrong(rho, m);
            for (const [what, actual, expected] of [
              ['correct', correct, expectedCorrect],
              ['wrong', wrong, expectedWrong],
            ] as const) {
              const endpoint = k === 0 || k === m;
              const ok =
                expected === null || actual === null
                  ? actual === expected
                  : endpoint && Number.isInteger(expected)
                    ? Object.is(actual, expected) // exact, and +0 rather than −0
                    : relativeError(actual, expected) <= F64_RELATIVE;
              if (!ok) mismatches.push(`M=${m} k=${k} ${what}: got ${actual}, expected ${expected}`);
            }
          }
        }
      }
      expect(mismatches).toEqual([]);
    });
  });
});

describe('effective weight and prompt weight', () => {
  const grid = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);

  it('h(ρ) of each weighting matches its definition in the population limit (M → ∞)', () => {
    const expectations: [Weighting, (rho: number) => number][] = [
      [grpo({ std: 'population', epsilon: 0 }), (rho) => Math.sqrt(rho * (1 - rho))],
      // Without a group size the Bessel factor M/(M−1) is 1, whatever the std convention.
      [grpo({ std: 'sample', epsilon: 0 }), (rho) => Math.sqrt(rho * (1 - rho))],
      [rloo(), (rho) => rho * (1 - rho)],
      [drGrpo(), (rho) => rho * (1 - rho)],
      [reinforce(), (rho) => rho * (1 - rho)],
      [linearR(), (rho) => 1 - rho],
      [sqrtR(), (rho) => Math.sqrt(1 - rho)],
      [uniformR(), () => 1],
      [plateauR(), (rho) => Math.min(1, 2 * (1 - rho))],
      [plateauR({ threshold: 0.2 }), (rho) => Math.min(1, (1 - rho) / 0.8)],
    ];
    const mismatches: string[] = [];
    for (const [w, h] of expectations) {
      for (const rho of grid) {
        // Same arithmetic up to operation order: a few ulps.
        if (!(relativeError(w.effectiveWeight(rho), h(rho)) <= F64_RELATIVE)) mismatches.push(`${w.name} ρ=${rho}`);
        // ω = h/(ρ(1−ρ)).
        const omega = h(rho) / (rho * (1 - rho));
        if (!(relativeError(w.omega(rho), omega) <= F64_RELATIVE)) mismatches.push(`${w.name} ω(${rho})`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('h at a finite group size carries GRPO’s Bessel factor and RLOO’s M/(M−1)', () => {
    const m = 8;
    for (const rho of [0.125, 0.5, 0.875]) {
      const sampleStd = Math.sqrt((m / (m - 1)) * rho * (1 - rho));
      // Equivalent operation orders: a few ulps.
      expect(relativeError(grpo().effectiveWeight(rho, m), (rho * (1 - rho)) / (sampleStd + 1e-6))).toBeLessThan(F64_RELATIVE);
      expect(relativeError(rloo().effectiveWeight(rho, m), (m / (m - 1)) * rho * (1 - rho))).toBeLessThan(F64_RELATIVE);
    }
  });

  it('exact endpoint values: GRPO, RLOO, Dr. GRPO and REINFORCE are 0, the -R family keeps h(0) = 1', () => {
    for (const w of [grpo(), grpo({ std: 'population', epsilon: 0 }), rloo(), drGrpo(), reinforce()]) {
      expect(w.effectiveWeight(0, 16)).toBe(0);
      expect(w.effectiveWeight(1, 16)).toBe(0);
    }
    for (const w of [linearR(), sqrtR(), uniformR(), plateauR(), plateauR({ threshold: 0.9 })]) {
      expect(w.effectiveWeight(0)).toBe(1);
      expect(w.omega(0)).toBe(Infinity);
    }
    expect(uniformR().effectiveWeight(1)).toBe(1);
    expect(uniformR().omega(1)).toBe(Infinity);
    for (const w of [linearR(), sqrtR(), plateauR()]) expect(w.effectiveWeight(1)).toBe(0);
    expect(costAware({ a: 1, b: 3 }).effectiveWeight(0)).toBeCloseTo(Math.sqrt(3 / 4), 15);
  });

  it('Linear-R ≤ Sqrt-R, Plateau-R ≤ Uniform-R pointwise; Sqrt-R and Plateau-R(0.5) cross at ρ = 3/4', () => {
    // √(1−ρ) = min(1, 2(1−ρ)) where 1−ρ = 1/4: Plateau-R keeps more weight below, Sqrt-R above.
    let violations = 0;
    for (const rho of grid) {
      const [lin, sqrt, plateau, uniform] = [linearR(), sqrtR(), plateauR(), uniformR()].map((w) => w.effectiveWeight(rho)) as [number, number, number, number];
      if (!(lin <= sqrt && lin <= plateau && sqrt <= uniform && plateau <= uniform)) violations++;
      if (rho < 0.75 ? !(plateau > sqrt) : rho > 0.75 ? !(plateau < sqrt) : plateau !== sqrt) violations++;
    }
    expect(violations).toBe(0);
  });
});

describe('metadata', () => {
  it('lists every built-in by name and recognises exactly those names', () => {
    expect([...WEIGHTING_NAMES].sort()).toEqual(['cost-aware', 'dr-grpo', 'grpo', 'linear-r', 'plateau-r', 'reinforce', 'rloo', 'sqrt-r', 'uniform-r'].sort());
    for (const name of WEIGHTING_NAMES) {
      expect(isWeightingName(name)).toBe(true);
      expect(weighting(name).name).toBe(name);
    }
    for (const name of ['GRPO', 'linear', '', 'sqrt_r']) expect(isWeightingName(name)).toBe(false);
  });

  it('says where each form comes from, which are mirror symmetric, silent at the endpoints, centred and unit-domain', () => {
    const table = WEIGHTING_NAMES.map((name) => {
      const w = weighting(name);
      return [name, w.provenance, w.mirrorSymmetric, w.silentAtEndpoints, w.centred, w.rewardDomain];
    });
    // The paper's split (Fig. 1): symmetric = GRPO, RLOO, Uniform-R (h(ρ) = h(1−ρ)); asymmetric = Linear-R,
    // Sqrt-R, Plateau-R. Uniform-R is symmetric yet keeps h(0) = h(1) = 1.
    expect(table).toEqual([
      ['grpo', 'confirmed', true, true, true, 'real'],
      ['rloo', 'confirmed', true, true, true, 'real'],
      ['dr-grpo', 'baseline', true, true, true, 'real'],
      ['reinforce', 'baseline', true, true, false, 'real'],
      ['linear-r', 'confirmed', false, false, true, 'unit'],
      ['sqrt-r', 'confirmed', false, false, true, 'unit'],
      ['uniform-r', 'inferred', true, false, true, 'unit'],
      ['plateau-r', 'inferred', false, false, true, 'unit'],
      ['cost-aware', 'inferred', false, false, true, 'unit'],
    ]);
    for (const name of WEIGHTING_NAMES) {
      expect(weighting(name).label.length).toBeGreaterThan(0);
      expect(weighting(name).note.length).toBeGreaterThan(0);
    }
  });

  it('records its parameters and kinks', () => {
    expect(grpo().parameters).toEqual({ std: 'sample', epsilon: 1e-6 });
    expect(grpo({ std: 'population', epsilon: 0 }).parameters).toEqual({ std: 'population', epsilon: 0 });
    expect(plateauR().parameters).toEqual({ threshold: 0.5 });
    expect(plateauR({ threshold: 0.3 }).breakpoints).toEqual([0.3]);
    expect(weighting('plateau-r', { threshold: 0.3 }).parameters).toEqual({ threshold: 0.3 });
    expect(costAware().parameters).toEqual({ a: 1, b: 1 });
    expect(linearR().breakpoints).toEqual([]);
    expect(Object.isFrozen(plateauR().parameters)).toBe(true);
  });
});

describe('constructor errors name the argument', () => {
  it('unknown weighting name', () => {
    expectWeightsError(() => weighting('sqrt-reinforce'), 'weighting');
    expect(() => weighting('nope')).toThrow(/unknown weighting "nope"; expected one of grpo, rloo/);
  });

  it('a parameter the weighting does not take', () => {
    expectWeightsError(() => weighting('linear-r', { threshold: 0.3 }), 'weighting.threshold');
    expectWeightsError(() => weighting('grpo', { a: 1 }), 'weighting.a');
    expectWeightsError(() => weighting('plateau-r', { epsilon: 0 }), 'weighting.epsilon');
    expect(() => weighting('rloo', { std: 'sample' })).toThrow('allowed: none');
    expect(() => weighting('cost-aware', { threshold: 0.5 })).toThrow('allowed: a, b');
  });

  it('bad plateau threshold', () => {
    for (const threshold of [0, 1, -0.1, 1.5, NaN, Infinity]) {
      expectWeightsError(() => plateauR({ threshold }), 'threshold');
      expectWeightsError(() => weighting('plateau-r', { threshold }), 'threshold');
    }
  });

  it('bad GRPO std convention or ε', () => {
    expectWeightsError(() => grpo({ std: 'unbiased' as 'sample' }), 'std');
    for (const epsilon of [-1e-6, NaN, Infinity, -Infinity]) expectWeightsError(() => grpo({ epsilon }), 'epsilon');
    expect(() => grpo({ epsilon: 0 })).not.toThrow();
  });

  it('bad cost-aware a or b', () => {
    for (const value of [-1, NaN, Infinity]) {
      expectWeightsError(() => costAware({ a: value }), 'a');
      expectWeightsError(() => costAware({ b: value }), 'b');
    }
    expectWeightsError(() => costAware({ a: 0, b: 0 }), 'a');
    expect(() => costAware({ a: 0, b: 1 })).not.toThrow();
    expect(() => costAware({ a: 1, b: 0 })).not.toThrow();
  });
});
