/**
 * Items through the bounded queue into the verifier pool, counted in the metrics. Shared by
 * `/get_reward` and `/v1/verify`, which differ only in how items come in and results go out.
 */
import type { PoolItem, VerificationResult, VerifierPool } from '@rlvr/verifiers';
import type { Admission } from './admission.js';
import { HttpError } from './http-error.js';
import { outcomeOf, type ServeMetrics } from './metrics.js';

/** Seconds a client is asked to wait after a 503 (Retry-After). */
export const RETRY_AFTER_SECONDS = 1;

/** What {@link scoreItems} needs. */
export interface ScoringContext {
  /** The verifier pool. */
  pool: VerifierPool;
  /** The bounded queue. */
  admission: Admission;
  /** Counters to update. */
  metrics: ServeMetrics;
}

/** The 503 of a full queue. */
export function queueFull(): HttpError {
  return new HttpError(503, 'queue full: the server is verifying as many items as it admits; retry later', {
    'retry-after': String(RETRY_AFTER_SECONDS),
  });
}

/**
 * Verify `items` (a request of `bytes` bytes): admitted to the queue or refused with 503 (413 when
 * the request alone is larger than the queue), results in input order, the queue's share given back
 * whatever happens.
 */
export async function scoreItems(
  context: ScoringContext,
  items: readonly PoolItem[],
  bytes: number,
): Promise<VerificationResult[]> {
  const { admission, metrics } = context;
  if (items.length > admission.limits.maxItems) {
    throw new HttpError(
      413,
      `body: ${items.length} items, more than the ${admission.limits.maxItems} the queue holds (--max-queue); split the request`,
    );
  }
  const ticket = admission.admit(items.length, bytes);
  if (ticket === null) {
    metrics.rejected.inc();
    throw queueFull();
  }
  try {
    const results = await context.pool.score(items);
    // Counted per (verifier, outcome) once per request: a label lookup per item would cost more
    // than a GSM8K check.
    const counts = new Map<string, { verifier: string; outcome: string; n: number }>();
    for (let i = 0; i < results.length; i++) {
      const verifier = items[i]!.verifier;
      const outcome = outcomeOf(results[i]!);
      const key = `${verifier}\u0000${outcome}`;
      const entry = counts.get(key);
      if (entry === undefined) counts.set(key, { verifier, outcome, n: 1 });
      else entry.n++;
    }
    for (const { verifier, outcome, n } of counts.values()) {
      metrics.items.inc({ verifier, outcome }, n);
      if (outcome === 'timeout') metrics.timeouts.inc(n);
    }
    return results;
  } finally {
    admission.release(ticket);
  }
}
