import { WeightsError } from '../errors.js';

/**
 * A clock charges each unit of regular time at rate c(ρ). `regular` (c = 1) counts updates;
 * `effective` (c = 1/ρ) counts sampled responses, since an informative (correct) response costs
 * about 1/ρ samples at success rate ρ.
 */
export interface Clock {
  /** Identifier, e.g. `"regular"`, `"effective"`, `"cost(a=1,b=1)"`. */
  readonly name: string;
  /** Cost rate c(ρ) > 0 for ρ in (0, 1). */
  cost(rho: number): number;
}

/** Regular time: one unit per update (c = 1). GRPO is optimal on this clock. */
export const REGULAR_CLOCK: Clock = { name: 'regular', cost: () => 1 };

/** Effective time: dτ = dt/ρ, time counted in sampled responses. Sqrt-R is optimal on this clock. */
export const EFFECTIVE_CLOCK: Clock = { name: 'effective', cost: (rho) => 1 / rho };

/** The clock charged a per update plus b per sampled response: c(ρ) = a + b/ρ. */
export function costClock(a: number, b: number): Clock {
  if (!(a >= 0 && b >= 0 && a + b > 0 && Number.isFinite(a + b))) {
    throw new WeightsError('clock', `expected finite costs a, b ≥ 0 with a + b > 0, got a = ${a}, b = ${b}`);
  }
  // b = 0 must stay exactly a at ρ = 0 (0/0 would be NaN).
  return { name: `cost(a=${a},b=${b})`, cost: (rho) => (b === 0 ? a : a + b / rho) };
}

/** A clock by name (`regular` or `effective`) or as given. */
export function resolveClock(clock: Clock | 'regular' | 'effective'): Clock {
  if (clock === 'regular') return REGULAR_CLOCK;
  if (clock === 'effective') return EFFECTIVE_CLOCK;
  if (typeof clock === 'object' && clock !== null && typeof clock.cost === 'function') return clock;
  throw new WeightsError('clock', `expected "regular", "effective" or a Clock, got ${JSON.stringify(clock)}`);
}
