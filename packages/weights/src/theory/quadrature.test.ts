import { integrate } from './quadrature.js';

describe('integrate (adaptive Gauss–Kronrod)', () => {
  it('is exact (to rounding) on polynomials up to degree 13, where the embedded Gauss rule is exact', () => {
    // p(x) = 3x^13 − 2x^5 + x^2 − 7, P its antiderivative.
    const p = (x: number): number => 3 * x ** 13 - 2 * x ** 5 + x ** 2 - 7;
    const P = (x: number): number => (3 / 14) * x ** 14 - (1 / 3) * x ** 6 + x ** 3 / 3 - 7 * x;
    for (const [a, b] of [
      [-1.5, 2],
      [0, 1],
      [3, 3.25],
    ] as const) {
      const exact = P(b) - P(a);
      // 15 products and sums of terms up to |P| ≈ 3.5e3: a few hundred ulps of the result at most.
      expect(Math.abs(integrate(p, a, b) - exact)).toBeLessThan(1e-11 * Math.max(1, Math.abs(P(b)), Math.abs(P(a))));
    }
    expect(integrate(() => 2.5, -1, 3)).toBe(10);
  });

  it('converges on smooth integrands: ∫₀¹ eˣ = e − 1, ∫₀^π sin = 2, ∫₀¹ x^40 = 1/41', () => {
    // Default relative tolerance 1e-12; allow 10× for the sum of the pieces.
    expect(Math.abs(integrate(Math.exp, 0, 1) - (Math.E - 1))).toBeLessThan(1e-11);
    expect(Math.abs(integrate(Math.sin, 0, Math.PI) - 2)).toBeLessThan(1e-11);
    expect(Math.abs(integrate((x) => x ** 40, 0, 1) - 1 / 41) * 41).toBeLessThan(1e-11);
  });

  it('splits at breakpoints: ∫₀¹ |x − 0.3| = 0.29 exactly with the kink given, closely without', () => {
    const kinked = (x: number): number => Math.abs(x - 0.3);
    // Linear on each piece: exact to rounding (a few ulps).
    expect(Math.abs(integrate(kinked, 0, 1, { breakpoints: [0.3] }) - 0.29)).toBeLessThan(1e-15);
    // Unsorted, duplicated and out-of-range breakpoints are harmless.
    expect(Math.abs(integrate(kinked, 0, 1, { breakpoints: [1.5, 0.3, -2, 0.3, 0.3] }) - 0.29)).toBeLessThan(1e-15);
    // Without the breakpoint, bisection must chase the kink; it still meets the 1e-12 relative default.
    expect(Math.abs(integrate(kinked, 0, 1) - 0.29)).toBeLessThan(1e-11);
    // A jump: 1 on [0, 0.4), 3 on [0.4, 1] → 0.4 + 1.8.
    expect(Math.abs(integrate((x) => (x < 0.4 ? 1 : 3), 0, 1, { breakpoints: [0.4] }) - 2.2)).toBeLessThan(1e-15);
  });

  it('handles an integrable endpoint singularity: ∫₀¹ 1/√x = 2', () => {
    // Bisection stops at depth 60, so the last piece [0, 2^-60] is estimated, not resolved: error ≈ 2·2^-30.
    expect(Math.abs(integrate((x) => 1 / Math.sqrt(x), 0, 1) - 2)).toBeLessThan(1e-8);
  });

  it('honours looser tolerances', () => {
    const loose = integrate((x) => Math.abs(x - 0.3), 0, 1, { relativeTolerance: 1e-4, absoluteTolerance: 0 });
    expect(Math.abs(loose - 0.29)).toBeLessThan(1e-4 * 0.29 * 10); // the estimate is an error bound up to a small factor
  });

  it('returns Infinity, never NaN, for a divergent or undefined integrand', () => {
    expect(integrate((x) => 1 / (x - 0.5), 0, 1)).toBe(Infinity); // the centre node hits the pole
    expect(integrate((x) => 1 / x, -1, 1)).toBe(Infinity);
    expect(integrate((x) => (x > 0.7 ? NaN : 1), 0, 1)).toBe(Infinity);
    expect(integrate((x) => (x > 0.7 ? 0 * Infinity : 1), 0, 1, { breakpoints: [0.5] })).toBe(Infinity);
    expect(integrate(() => Infinity, 0, 1)).toBe(Infinity);
  });

  it('gives up in bounded time where rounding noise defeats the tolerance (a non-integrable pole between nodes)', () => {
    // 1/x² on [−1, 1.1]: no bisection point lands on 0, and near it neither half ever converges. Without a
    // cap on bisections this recursion would run 2^60 times; with it, it returns a (meaningless) finite number.
    const started = Date.now();
    const value = integrate((x) => 1 / (x * x), -1, 1.1);
    expect(Number.isNaN(value)).toBe(false);
    expect(value).toBeGreaterThan(1e6);
    expect(Date.now() - started).toBeLessThan(3000); // ≈ 0.3M evaluations; typically well under a second
  });

  it('an empty interval integrates to 0', () => {
    expect(integrate(Math.exp, 2, 2)).toBe(0);
  });
});
