/**
 * Adaptive Gauss–Kronrod quadrature (7-point Gauss embedded in 15-point Kronrod, bisection until the
 * two estimates agree). Nodes and weights are the standard G7–K15 values (QUADPACK's qk15).
 */

const KRONROD_NODES = [
  0.9914553711208126, 0.9491079123427585, 0.8648644233597691, 0.7415311855993945, 0.5860872354676911,
  0.4058451513773972, 0.20778495500789848, 0,
];
const KRONROD_WEIGHTS = [
  0.022935322010529224, 0.06309209262997856, 0.10479001032225019, 0.14065325971552592, 0.1690047266392679,
  0.19035057806478542, 0.20443294007529889, 0.20948214108472782,
];
/** Gauss weights for the nodes KRONROD_NODES[1], [3], [5], [7]. */
const GAUSS_WEIGHTS = [0.1294849661688697, 0.27970539148927664, 0.3818300505051189, 0.4179591836734694];

/** Tolerances of {@link integrate}. */
export interface QuadratureOptions {
  /** Relative tolerance of the whole integral; default 1e-12. */
  relativeTolerance?: number;
  /** Absolute tolerance of the whole integral; default 1e-14. */
  absoluteTolerance?: number;
  /** Points inside (a, b) where the integrand has a kink; the integral is split there. */
  breakpoints?: readonly number[];
}

/**
 * ∫_a^b f(x) dx by adaptive Gauss–Kronrod. Returns `Infinity` if the integrand is infinite or NaN
 * anywhere it is evaluated (a divergent time-to-target), never NaN. Bisection is capped (depth and
 * a per-call budget), so a singularity between nodes yields a finite best estimate, not Infinity.
 */
export function integrate(f: (x: number) => number, a: number, b: number, options: QuadratureOptions = {}): number {
  const relative = options.relativeTolerance ?? 1e-12;
  const absolute = options.absoluteTolerance ?? 1e-14;
  const cuts = [a, ...(options.breakpoints ?? []).filter((x) => x > a && x < b).sort((x, y) => x - y), b];
  let total = 0;
  const budget = { bisections: MAX_BISECTIONS };
  for (let i = 0; i + 1 < cuts.length; i++) {
    const left = cuts[i]!;
    const right = cuts[i + 1]!;
    const coarse = kronrod(f, left, right);
    if (!Number.isFinite(coarse.kronrod)) return Infinity;
    const part = refine(f, left, right, coarse, relative, absolute, 0, budget);
    if (!Number.isFinite(part)) return Infinity;
    total += part;
  }
  return total;
}

interface Estimate {
  kronrod: number;
  gauss: number;
}

// Depth 60 halves an interval to 2^-60 of its width: far below f64 resolution, so deeper is pointless.
const MAX_DEPTH = 60;
// The depth cap alone does not bound the work: where rounding noise in the integrand exceeds the tolerance
// (e.g. 0.5 − σ(u) near a zero of h), both halves keep failing and the tree grows like 2^depth. Like
// QUADPACK's subinterval limit, a budget per call ends that with the best estimate so far (≈ 0.3M evaluations).
const MAX_BISECTIONS = 10_000;

function refine(
  f: (x: number) => number,
  a: number,
  b: number,
  estimate: Estimate,
  relative: number,
  absolute: number,
  depth: number,
  budget: { bisections: number },
): number {
  const error = Math.abs(estimate.kronrod - estimate.gauss);
  if (
    error <= Math.max(absolute, relative * Math.abs(estimate.kronrod)) ||
    depth >= MAX_DEPTH ||
    budget.bisections <= 0
  ) {
    return estimate.kronrod;
  }
  budget.bisections -= 1;
  const middle = 0.5 * (a + b);
  const left = kronrod(f, a, middle);
  const right = kronrod(f, middle, b);
  if (!Number.isFinite(left.kronrod) || !Number.isFinite(right.kronrod)) return Infinity;
  return (
    refine(f, a, middle, left, relative, absolute / 2, depth + 1, budget) +
    refine(f, middle, b, right, relative, absolute / 2, depth + 1, budget)
  );
}

function kronrod(f: (x: number) => number, a: number, b: number): Estimate {
  const center = 0.5 * (a + b);
  const half = 0.5 * (b - a);
  const fc = f(center);
  let k = fc * KRONROD_WEIGHTS[7]!;
  let g = fc * GAUSS_WEIGHTS[3]!;
  for (let j = 0; j < 7; j++) {
    const dx = half * KRONROD_NODES[j]!;
    const pair = f(center - dx) + f(center + dx);
    k += KRONROD_WEIGHTS[j]! * pair;
    if (j % 2 === 1) g += GAUSS_WEIGHTS[(j - 1) / 2]! * pair;
  }
  // NaN (e.g. 0·∞ inside a user's h) is reported as a divergence rather than propagated.
  if (Number.isNaN(k)) k = Infinity;
  return { kronrod: k * half, gauss: g * half };
}
