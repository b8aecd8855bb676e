/**
 * Data behind the package's figures, as plain rows that any charting tool can draw (the `rlvr theory
 * --out` command renders them as SVG). This package stays free of dependencies, so it draws nothing.
 */
import { requireInteger } from './errors.js';
import { responseAdvantages, type Weighting } from './weighting.js';

/** One point of an effective-weight curve. */
export interface EffectiveWeightPoint {
  /** Weighting name. */
  weighting: string;
  /** Weighting display name. */
  label: string;
  /** Successes k in the group. */
  successes: number;
  /** ρ̂ = k/M. */
  rho: number;
  /** h(ρ̂) at group size M. */
  effectiveWeight: number;
}

/**
 * h(ρ̂) of each weighting at ρ̂ = k/M for k = 1 … M−1 (paper Fig. 2); with `includeEndpoints`, also
 * k = 0 and k = M, where weightings silent at the endpoints (GRPO, RLOO, …) are 0 and the others are not.
 */
export function effectiveWeightPoints(
  weightings: readonly Weighting[],
  groupSize: number,
  includeEndpoints = false,
): EffectiveWeightPoint[] {
  requireInteger('groupSize', groupSize, 2);
  const points: EffectiveWeightPoint[] = [];
  for (const w of weightings) {
    for (let k = includeEndpoints ? 0 : 1; k <= (includeEndpoints ? groupSize : groupSize - 1); k++) {
      const rho = k / groupSize;
      points.push({
        weighting: w.name,
        label: w.label,
        successes: k,
        rho,
        effectiveWeight: w.effectiveWeight(rho, groupSize),
      });
    }
  }
  return points;
}

/** Advantages of a correct and a wrong response in a group with k successes of M. */
export interface AdvantagePoint {
  /** Weighting name. */
  weighting: string;
  /** Weighting display name. */
  label: string;
  /** Successes k in the group. */
  successes: number;
  /** ρ̂ = k/M. */
  rho: number;
  /** Advantage of each correct response; `null` when k = 0. */
  correct: number | null;
  /** Advantage of each wrong response; `null` when k = M. */
  wrong: number | null;
}

/** The advantage table of each weighting for k = 0 … M successes (the weighting's own zero-variance limits). */
export function advantagePoints(weightings: readonly Weighting[], groupSize: number): AdvantagePoint[] {
  requireInteger('groupSize', groupSize, 2);
  const points: AdvantagePoint[] = [];
  for (const w of weightings) {
    for (let k = 0; k <= groupSize; k++) {
      const rho = k / groupSize;
      points.push({ weighting: w.name, label: w.label, successes: k, rho, ...responseAdvantages(w, rho, groupSize) });
    }
  }
  return points;
}
