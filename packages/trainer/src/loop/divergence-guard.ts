/**
 * The divergence guard (config section `guard`): limits on what an update looks like, checked before
 * the optimizer applies it, so that a run going wrong stops (or drops the update) while its weights and
 * checkpoints are still good. Non-finite values are refused elsewhere (rl-step, checkpoints); this
 * catches the finite runaway: a gradient norm thousands of times its running median, a loss spike, a
 * KL or entropy past a limit, weights of absurd magnitude about to be checkpointed.
 *
 * The ratio limits compare with the median of the last `window` trained steps (a step without a
 * gradient, where every group was flat, says nothing about the scale and is left out), after `warmup`
 * such steps. The history is rebuilt from metrics.jsonl on resume, so a resumed run decides exactly as
 * the uninterrupted one would.
 */
import type { GuardConfig } from '../config/index.js';

/** The values of one update, known before the optimizer step. */
export interface UpdateValues {
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** The update's loss. */
  loss: number;
  /** Mean KL to the reference (0 without one). */
  kl: number;
  /** Mean entropy of the trained tokens (nats). */
  entropy: number;
}

/** What a guard limit measures. */
export type GuardSignal = 'gradNorm' | 'loss' | 'kl' | 'entropy' | 'weights';

/** A limit that was passed. */
export interface GuardBreach {
  /** What was measured. */
  signal: GuardSignal;
  /** Its value. */
  value: number;
  /** The limit it passed (for ratios: the ratio times the running median). */
  limit: number;
  /** The RL step. */
  step: number;
  /** One line: signal, value, limit and the config key that sets it. */
  message: string;
}

const fmt = (x: number): string =>
  Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toPrecision(4);

/** Median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Checks updates against the configured limits and keeps the running history the ratios need. */
export class DivergenceGuard {
  readonly #config: GuardConfig;
  readonly #gradNorms: number[] = [];
  readonly #losses: number[] = [];

  /** A guard with the limits of config section `guard`. */
  constructor(config: GuardConfig) {
    this.#config = config;
  }

  /** The breach of the first limit `values` passes at `step`, or null when the update is within every limit. */
  check(step: number, values: UpdateValues): GuardBreach | null {
    const c = this.#config;
    const breach = (signal: GuardSignal, value: number, limit: number, what: string): GuardBreach => ({
      signal,
      value,
      limit,
      step,
      message: what,
    });
    const warm = this.#gradNorms.length >= c.warmup;
    if (c.gradNormRatio !== null && warm) {
      const med = median(this.#gradNorms.slice(-c.window));
      const limit = c.gradNormRatio * med;
      if (values.gradNorm > limit) {
        return breach(
          'gradNorm',
          values.gradNorm,
          limit,
          `gradient norm ${fmt(values.gradNorm)} exceeds ${fmt(limit)} (guard.gradNormRatio ${c.gradNormRatio} × median ${fmt(med)} of the last ${Math.min(c.window, this.#gradNorms.length)} trained steps)`,
        );
      }
    }
    if (c.lossRatio !== null && warm) {
      const med = median(this.#losses.slice(-c.window));
      const limit = c.lossRatio * med;
      if (Math.abs(values.loss) > limit) {
        return breach(
          'loss',
          values.loss,
          limit,
          `|loss| ${fmt(Math.abs(values.loss))} exceeds ${fmt(limit)} (guard.lossRatio ${c.lossRatio} × median ${fmt(med)} of the last ${Math.min(c.window, this.#losses.length)} trained steps)`,
        );
      }
    }
    if (c.maxKl !== null && values.kl > c.maxKl) {
      return breach('kl', values.kl, c.maxKl, `KL to the reference ${fmt(values.kl)} exceeds guard.maxKl ${c.maxKl}`);
    }
    if (c.minEntropy !== null && values.entropy < c.minEntropy) {
      return breach(
        'entropy',
        values.entropy,
        c.minEntropy,
        `entropy ${fmt(values.entropy)} nats fell below guard.minEntropy ${c.minEntropy} (the policy collapsed)`,
      );
    }
    return null;
  }

  /** Add an applied step to the history (steps without a gradient are ignored: they carry no scale). */
  record(values: Pick<UpdateValues, 'gradNorm' | 'loss'>): void {
    if (!(values.gradNorm > 0)) return;
    this.#gradNorms.push(values.gradNorm);
    this.#losses.push(Math.abs(values.loss));
    // Only the window is ever read; keep the arrays short on long runs.
    const keep = this.#config.window;
    if (this.#gradNorms.length > 2 * keep + this.#config.warmup) {
      this.#gradNorms.splice(0, this.#gradNorms.length - keep - this.#config.warmup);
      this.#losses.splice(0, this.#losses.length - keep - this.#config.warmup);
    }
  }

  /** The breach of guard.maxWeightAbs (or of finiteness) by `weights` at `step`, or null. */
  checkWeights(step: number, weights: Readonly<Record<string, { data: ArrayLike<number> }>>): GuardBreach | null {
    const limit = this.#config.maxWeightAbs ?? Infinity;
    for (const [name, tensor] of Object.entries(weights)) {
      const data = tensor.data;
      for (let i = 0; i < data.length; i++) {
        const x = data[i]!;
        // `!(|x| <= limit)` is also true for NaN.
        if (!(Math.abs(x) <= limit)) {
          return {
            signal: 'weights',
            value: x,
            limit,
            step,
            // Exact below a million, so that a value just past the limit does not print as the limit.
            message: `${name}[${i}] is ${Math.abs(x) < 1e6 ? String(x) : fmt(x)}${Number.isFinite(x) ? `, beyond guard.maxWeightAbs ${limit}` : ''}`,
          };
        }
      }
    }
    return null;
  }
}
