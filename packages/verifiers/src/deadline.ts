/**
 * A cooperative deadline for one verification. The VerifierPool's worker starts one before each item;
 * a verifier calls {@link checkDeadline} in its loops and stops by throwing once the item's time is up,
 * so the worker reports `timeout` and goes on with its next item instead of being terminated (a new
 * thread costs tens of ms and starts with a cold JIT). Outside a pool worker there is no deadline and
 * every check is a no-op, so in-process results never depend on time.
 *
 * The state lives on `globalThis` under a registered symbol: a custom verifier module that imports its
 * own copy of this package sees the same deadline as the worker's bundled copy.
 */

/** Marker that survives duplicate installs of the package (see {@link isDeadlineError}). */
const MARKER = Symbol.for('@rlvr/verifiers/deadline-error');

/** The per-thread deadline state shared by every copy of this module. */
interface DeadlineState {
  /** `performance.now()` at which the current verification must stop; Infinity when none is set. */
  at: number;
  /** Checks since the deadline was set; the clock is read on every {@link CLOCK_EVERY}-th only. */
  checks: number;
  /** Whether a check has thrown since the deadline was set. */
  fired: boolean;
}

const STATE_KEY = Symbol.for('@rlvr/verifiers/deadline');
const state: DeadlineState = ((globalThis as Record<symbol, unknown>)[STATE_KEY] ??= {
  at: Infinity,
  checks: 0,
  fired: false,
}) as DeadlineState;

// Reading the clock costs ~30 ns; loops call checkDeadline far more often than they need to stop.
const CLOCK_EVERY = 32;

/** Thrown by {@link checkDeadline} once the current verification has used up its time. */
export class DeadlineError extends Error {
  private readonly [MARKER] = true;

  constructor() {
    super('deadline passed');
    this.name = 'DeadlineError';
  }
}

/** True for a {@link DeadlineError} from any copy of this package. */
export function isDeadlineError(value: unknown): value is DeadlineError {
  return typeof value === 'object' && value !== null && MARKER in value;
}

/** Give the current thread's next verification `ms` milliseconds from now (replaces any deadline). */
export function startDeadline(ms: number): void {
  state.at = performance.now() + ms;
  state.checks = 0;
  state.fired = false;
}

/** Remove the deadline; returns whether a {@link checkDeadline} threw since it was started. */
export function endDeadline(): boolean {
  const fired = state.fired;
  state.at = Infinity;
  state.fired = false;
  return fired;
}

/** Milliseconds left before the deadline; Infinity when none is set. */
export function remainingMs(): number {
  return state.at === Infinity ? Infinity : state.at - performance.now();
}

/**
 * Throw a {@link DeadlineError} when the current verification is past its deadline; a no-op when none
 * is set. Cheap enough for inner loops: the clock is read on the first call and every 32nd after it.
 */
export function checkDeadline(): void {
  if (state.at === Infinity) return;
  if (state.checks++ % CLOCK_EVERY !== 0 && !state.fired) return;
  if (state.fired || performance.now() > state.at) {
    // Once fired, every later check throws too: a verifier that catches the first one still stops.
    state.fired = true;
    throw new DeadlineError();
  }
}
