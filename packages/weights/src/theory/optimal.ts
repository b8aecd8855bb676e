import { WeightsError } from '../errors.js';
import type { Weighting } from '../weighting.js';
import { fromEffectiveWeight } from '../weighting.js';
import { type Clock, resolveClock } from './clocks.js';

/**
 * The weighting that minimises B·T on a clock: h ∝ √(c(ρ)·ρ(1−ρ)), i.e. ω ∝ √(c/(ρ(1−ρ))). Regular
 * gives GRPO's shape √(ρ(1−ρ)); effective gives Sqrt-R's √(1−ρ). It is scaled so that its largest
 * value on a fine grid of (0, 1) is 1 (scale does not change B·T).
 */
export function optimalWeighting(clock: Clock | 'regular' | 'effective'): Weighting {
  const c = resolveClock(clock);
  if (!Number.isFinite(limitAtZero(c))) {
    throw new WeightsError(
      'clock',
      `c(ρ)·ρ must stay finite as ρ → 0 for an optimal weighting to exist; ${c.name} grows faster than 1/ρ`,
    );
  }
  const shape = (rho: number): number => {
    if (rho <= 0 || rho >= 1) {
      // The limits of √(c ρ(1−ρ)): finite c·ρ at 0 (e.g. effective: c·ρ = 1) gives √(cρ), else 0.
      return rho <= 0 ? Math.sqrt(Math.max(0, limitAtZero(c))) : 0;
    }
    return Math.sqrt(c.cost(rho) * rho * (1 - rho));
  };
  let peak = 0;
  for (let i = 0; i <= 1000; i++) peak = Math.max(peak, shape(i / 1000));
  const scale = peak > 0 ? 1 / peak : 1;
  return fromEffectiveWeight((rho) => scale * shape(rho), {
    name: `optimal-${c.name}`,
    label: `Optimal (${c.name} time)`,
    provenance: 'inferred',
    note: `h ∝ √(c(ρ)ρ(1−ρ)) meets the Cauchy–Schwarz bound of B·T on the ${c.name} clock.`,
  });
}

/** lim_{ρ→0} c(ρ)·ρ: exactly 0 for a cost finite at 0, else estimated at a tiny ρ (exact for c = a + b/ρ). */
function limitAtZero(clock: Clock): number {
  const atZero = clock.cost(0) * 0;
  if (!Number.isNaN(atZero)) return atZero;
  const rho = 1e-300;
  const value = clock.cost(rho) * rho;
  return Number.isFinite(value) ? value : Infinity;
}
