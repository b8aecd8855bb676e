import type { Weighting } from '../weighting.js';
import { costAware, drGrpo, grpo, linearR, plateauR, reinforce, rloo, sqrtR, uniformR } from '../weightings.js';
import { arcsineSurrogate, closedForm, closedFormLowerBound, sqrtSurrogate } from './closed-forms.js';
import { costLowerBound, theoryRow, timeToTarget, updateBudget } from './dynamics.js';

// Quadrature runs at 1e-12 relative; the closed forms lose a few ulps to cancellation (logit differences of
// nearby ρ). 1e-9 relative leaves three orders of margin on both.
const RELATIVE = 1e-9;

function relative(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.abs(b);
}

// ─── Reference closed forms, written here from paper.md §3.2 ────────────────────────────────────
// B = ∫ω dρ, T_reg = ∫ dρ/h, T_eff = ∫ dρ/(ρh) between r0 and r1.

type Triple = [budget: number, regular: number, effective: number];
const L = (r: number): number => Math.log(r / (1 - r));
const g = (r: number): number => Math.log((1 - Math.sqrt(1 - r)) / (1 + Math.sqrt(1 - r)));
const arc = (r: number): number => 2 * Math.asin(Math.sqrt(r));

const REFERENCE: Record<string, (r0: number, r1: number) => Triple> = {
  constant: (r0, r1) => [r1 - r0, L(r1) - L(r0), 1 / r0 - 1 / r1 + L(r1) - L(r0)],
  grpo: (r0, r1) => [arc(r1) - arc(r0), arc(r1) - arc(r0), 2 * (Math.sqrt((1 - r0) / r0) - Math.sqrt((1 - r1) / r1))],
  linear: (r0, r1) => [Math.log(r1 / r0), Math.log((1 - r0) / (1 - r1)), L(r1) - L(r0)],
  sqrt: (r0, r1) => [g(r1) - g(r0), 2 * (Math.sqrt(1 - r0) - Math.sqrt(1 - r1)), g(r1) - g(r0)],
  uniform: (r0, r1) => [L(r1) - L(r0), r1 - r0, Math.log(r1 / r0)],
};

/** Plateau-R(τ): Uniform-R on [r0, τ], then h = (1−ρ)/(1−τ): ω and the times scale by 1/(1−τ) and (1−τ). */
function plateauReference(r0: number, r1: number, tau: number): Triple {
  const total: Triple = [0, 0, 0];
  if (r0 < tau) {
    const [b, t, e] = REFERENCE.uniform!(r0, Math.min(r1, tau));
    total[0] += b;
    total[1] += t;
    total[2] += e;
  }
  if (r1 > tau) {
    const [b, t, e] = REFERENCE.linear!(Math.max(r0, tau), r1);
    total[0] += b / (1 - tau);
    total[1] += t * (1 - tau);
    total[2] += e * (1 - tau);
  }
  return total;
}

const INTERVALS: [number, number][] = [
  [0.025, 0.8],
  [0.01, 0.8],
  [0.38, 0.8],
  [1e-4, 0.999],
  [0.2, 0.3],
  [0.6, 0.95],
  [0.5, 0.51],
];

interface Case {
  name: string;
  parameters?: { threshold?: number };
  make: () => Weighting;
  reference: (r0: number, r1: number) => Triple;
}

const CASES: Case[] = [
  { name: 'rloo', make: rloo, reference: REFERENCE.constant! },
  { name: 'dr-grpo', make: drGrpo, reference: REFERENCE.constant! },
  { name: 'reinforce', make: reinforce, reference: REFERENCE.constant! },
  { name: 'grpo', make: () => grpo({ std: 'population', epsilon: 0 }), reference: REFERENCE.grpo! },
  { name: 'linear-r', make: linearR, reference: REFERENCE.linear! },
  { name: 'sqrt-r', make: sqrtR, reference: REFERENCE.sqrt! },
  { name: 'uniform-r', make: uniformR, reference: REFERENCE.uniform! },
  ...[0.5, 0.3, 0.75, 0.025].map((tau) => ({
    name: 'plateau-r',
    parameters: { threshold: tau },
    make: () => plateauR({ threshold: tau }),
    reference: (r0: number, r1: number) => plateauReference(r0, r1, tau),
  })),
];

describe('closed forms against the reference formulas and against quadrature', () => {
  it.each(CASES.map((c) => [`${c.name} ${JSON.stringify(c.parameters ?? {})}`, c] as const))('%s', (_title, c) => {
    const w = c.make();
    const tau = c.parameters?.threshold;
    // Plateau-R: intervals below, above, across and starting exactly at τ as well.
    const intervals: [number, number][] =
      tau === undefined ? INTERVALS : [...INTERVALS, [tau / 4, tau / 2], [(1 + tau) / 2, (3 + tau) / 4], [tau / 2, (1 + tau) / 2], [tau, (1 + tau) / 2], [tau / 2, tau]];
    const mismatches: string[] = [];
    for (const [r0, r1] of intervals) {
      const expected = c.reference(r0, r1);
      const closed = closedForm(c.name, r0, r1, c.parameters);
      const numeric: Triple = [updateBudget(w, r0, r1), timeToTarget(w, r0, r1, 'regular'), timeToTarget(w, r0, r1, 'effective')];
      expect(closed).toBeDefined();
      const fromClosed: Triple = [closed!.budget, closed!.regular, closed!.effective];
      for (let j = 0; j < 3; j++) {
        if (!(relative(fromClosed[j]!, expected[j]!) <= RELATIVE)) mismatches.push(`closedForm ${r0}→${r1} [${j}]: ${fromClosed[j]} vs ${expected[j]}`);
        if (!(relative(numeric[j]!, expected[j]!) <= RELATIVE)) mismatches.push(`quadrature ${r0}→${r1} [${j}]: ${numeric[j]} vs ${expected[j]}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('plateau-r without parameters uses τ = 0.5', () => {
    expect(closedForm('plateau-r', 0.1, 0.9)).toEqual(closedForm('plateau-r', 0.1, 0.9, { threshold: 0.5 }));
  });

  it('has no closed form for cost-aware or unknown names', () => {
    expect(closedForm('cost-aware', 0.1, 0.9)).toBeUndefined();
    expect(closedForm('my-weighting', 0.1, 0.9)).toBeUndefined();
  });

  it('GRPO with the default ε = 1e-6 is within 1e-5 of its ε = 0 closed form', () => {
    // ε shifts σ by 1e-6 against σ ≥ √(ρ(1−ρ)) ≈ 0.16 on this interval: a relative change below 1e-5.
    const closed = closedForm('grpo', 0.025, 0.8)!;
    expect(relative(timeToTarget(grpo(), 0.025, 0.8), closed.regular)).toBeLessThan(1e-5);
    expect(relative(timeToTarget(grpo(), 0.025, 0.8), closed.regular)).toBeGreaterThan(0);
  });
});

describe('surrogate objectives', () => {
  it('their derivatives are the prompt weights (central finite differences)', () => {
    for (const rho of [0.01, 0.1, 0.37, 0.5, 0.9, 0.99]) {
      const step = 1e-6 * Math.min(rho, 1 - rho);
      const d = (f: (r: number) => number): number => (f(rho + step) - f(rho - step)) / (2 * step);
      // Central differences: truncation O(step²·f''') and rounding ≈ 1e-16·|f|/step, both below 1e-7 relative here.
      expect(relative(d(arcsineSurrogate), 1 / Math.sqrt(rho * (1 - rho)))).toBeLessThan(1e-7);
      expect(relative(d(sqrtSurrogate), 1 / (rho * Math.sqrt(1 - rho)))).toBeLessThan(1e-7);
    }
  });

  it('sqrtSurrogate keeps its precision at tiny ρ (≈ log(ρ/4))', () => {
    // (1 − √(1−ρ))/(1 + √(1−ρ)) = ρ/4 + O(ρ²): at ρ = 1e-12 the O(ρ) relative correction is 1e-12.
    expect(Math.abs(sqrtSurrogate(1e-12) - Math.log(1e-12 / 4))).toBeLessThan(1e-11);
    expect(arcsineSurrogate(0)).toBe(0);
    expect(arcsineSurrogate(1)).toBeCloseTo(Math.PI, 15);
  });
});

describe('the numbers of paper.md §3.2 (B·T at equal budget, ratio to the bound)', () => {
  // Each row: weighting, B·T_reg, ratio, B·T_eff, ratio, as printed (rounded) in the table.
  type Row = [Weighting, number, number, number, number];
  const population = grpo({ std: 'population', epsilon: 0 });
  const tables: [number, number, Row[]][] = [
    [
      0.025,
      0.8,
      [
        [rloo(), 3.91, 1.09, 33.9, 2.02],
        [population, 3.6, 1.0, 21.8, 1.3],
        [linearR(), 5.49, 1.53, 17.5, 1.04],
        [sqrtR(), 4.43, 1.23, 16.8, 1.0],
        [uniformR(), 3.91, 1.09, 17.5, 1.04],
        [plateauR(), 4.3, 1.19, 17.0, 1.01],
      ],
    ],
    [
      0.01,
      0.8,
      [
        [rloo(), 4.73, 1.17, 82.7, 3.28],
        [population, 4.06, 1.0, 38.1, 1.51],
        [linearR(), 7.01, 1.73, 26.2, 1.04],
        [sqrtR(), 5.5, 1.36, 25.2, 1.0],
        [uniformR(), 4.73, 1.17, 26.2, 1.04],
        [plateauR(), 5.25, 1.29, 25.5, 1.01],
      ],
    ],
  ];
  // The table's figures are rounded to 3 significant digits (ratios to 2 decimals): the exact value lies within
  // half a unit of the last printed digit.
  const halfUnit = (x: number): number => 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(x))) - 2);

  it.each(tables.map(([r0, r1, rows]) => [`${r0} → ${r1}`, r0, r1, rows] as const))('%s', (_title, r0, r1, rows) => {
    const off: string[] = [];
    for (const [w, regular, regularRatio, effective, effectiveRatio] of rows) {
      const row = theoryRow(w, r0, r1);
      const checks: [string, number, number, number][] = [
        ['B·T_reg', row.regularCost, regular, halfUnit(regular)],
        ['B·T_eff', row.effectiveCost, effective, halfUnit(effective)],
        ['reg ratio', row.regularRatio, regularRatio, 0.005],
        ['eff ratio', row.effectiveRatio, effectiveRatio, 0.005],
      ];
      for (const [what, actual, printed, tolerance] of checks) {
        if (!(Math.abs(actual - printed) <= tolerance)) off.push(`${w.name} ${what}: ${actual} vs ${printed}`);
      }
    }
    expect(off).toEqual([]);
  });

  it('0.38 → 0.8 (post-SFT start): every weighting within 8% of the optimum on both clocks', () => {
    const printed: [Weighting, number, number][] = [
      [rloo(), 0.788, 1.368],
      [population, 0.785, 1.377],
      [linearR(), 0.842, 1.396],
      [sqrtR(), 0.794, 1.361],
      [uniformR(), 0.788, 1.396],
      [plateauR(), 0.826, 1.383],
    ];
    const off: string[] = [];
    for (const [w, regular, effective] of printed) {
      const row = theoryRow(w, 0.38, 0.8);
      // Printed to three decimals: within 0.0005.
      if (!(Math.abs(row.regularCost - regular) <= 0.0005)) off.push(`${w.name} reg ${row.regularCost}`);
      if (!(Math.abs(row.effectiveCost - effective) <= 0.0005)) off.push(`${w.name} eff ${row.effectiveCost}`);
      if (!(row.regularRatio < 1.08 && row.effectiveRatio < 1.08)) off.push(`${w.name} ratios ${row.regularRatio} ${row.effectiveRatio}`);
    }
    expect(off).toEqual([]);
  });

  it('GRPO meets the regular bound and Sqrt-R the effective bound (≈ 3.60 and ≈ 16.8 from 0.025)', () => {
    const regularBound = closedFormLowerBound(0.025, 0.8, 'regular');
    const effectiveBound = closedFormLowerBound(0.025, 0.8, 'effective');
    expect(Math.abs(regularBound - 3.6)).toBeLessThan(0.005); // printed as 3.60
    expect(Math.abs(effectiveBound - 16.8)).toBeLessThan(0.05); // printed as 16.8
    expect(relative(theoryRow(population, 0.025, 0.8).regularCost, regularBound)).toBeLessThan(RELATIVE);
    expect(relative(theoryRow(sqrtR(), 0.025, 0.8).effectiveCost, effectiveBound)).toBeLessThan(RELATIVE);
  });
});

describe('lower bounds', () => {
  it('closedFormLowerBound is (Δ 2 arcsin √ρ)² and (Δ g)², and equals the quadrature costLowerBound', () => {
    for (const [r0, r1] of INTERVALS) {
      const regular = (arc(r1) - arc(r0)) ** 2;
      const effective = (g(r1) - g(r0)) ** 2;
      expect(relative(closedFormLowerBound(r0, r1, 'regular'), regular)).toBeLessThan(RELATIVE);
      expect(relative(closedFormLowerBound(r0, r1, 'effective'), effective)).toBeLessThan(RELATIVE);
      expect(relative(costLowerBound(r0, r1, 'regular'), regular)).toBeLessThan(RELATIVE);
      expect(relative(costLowerBound(r0, r1, 'effective'), effective)).toBeLessThan(RELATIVE);
    }
  });

  it('Cauchy–Schwarz: no weighting beats the bound on either clock', () => {
    const all = [
      grpo(),
      grpo({ std: 'population', epsilon: 0 }),
      rloo(),
      drGrpo(),
      reinforce(),
      linearR(),
      sqrtR(),
      uniformR(),
      plateauR(),
      plateauR({ threshold: 0.1 }),
      costAware(),
      costAware({ a: 5, b: 0.1 }),
    ];
    const below: string[] = [];
    for (const [r0, r1] of INTERVALS) {
      for (const w of all) {
        const row = theoryRow(w, r0, r1);
        // Equality is reached by the optimal weighting; allow quadrature's 1e-9 relative on both sides.
        if (!(row.regularRatio >= 1 - RELATIVE && row.effectiveRatio >= 1 - RELATIVE)) below.push(`${w.name} ${r0}→${r1}`);
        if (!(relative(row.regularCost, row.budget * row.regular) < 1e-15 && relative(row.effectiveCost, row.budget * row.effective) < 1e-15)) {
          below.push(`${w.name} cost ≠ B·T`);
        }
      }
    }
    expect(below).toEqual([]);
  });
});
