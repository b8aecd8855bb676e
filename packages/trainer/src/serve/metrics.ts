/**
 * The server's Prometheus metrics (prom-client), in a registry of its own so that several servers in
 * one process (tests) never share counts. `GET /metrics` renders it.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { VerificationResult } from '@rlvr/verifiers';

/** What a verified item came to, as the `outcome` label counts it. */
export type ItemOutcome = 'correct' | 'wrong' | 'timeout' | 'error';

/** The outcome label of one result. */
export function outcomeOf(result: VerificationResult): ItemOutcome {
  if (result.reason === 'timeout') return 'timeout';
  if (result.reason.startsWith('error:')) return 'error';
  return result.correct ? 'correct' : 'wrong';
}

/** The metrics one server updates. */
export interface ServeMetrics {
  /** The registry `GET /metrics` renders. */
  registry: Registry;
  /** Requests answered, by route and status code. */
  requests: Counter<'route' | 'status'>;
  /** Request latency in seconds, by route. */
  latency: Histogram<'route'>;
  /** Items verified, by verifier and outcome. */
  items: Counter<'verifier' | 'outcome'>;
  /** Items that ran past the per-item time limit. */
  timeouts: Counter<string>;
  /** Requests refused because the queue was full. */
  rejected: Counter<string>;
  /** Items admitted and not yet answered. */
  queuedItems: Gauge<string>;
  /** The queue's bound in items. */
  queueLimit: Gauge<string>;
  /** Worker threads of the verifier pool. */
  poolThreads: Gauge<string>;
  /** Worker threads terminated by the pool's backstop (an item that never returned). */
  poolTerminations: Gauge<string>;
}

/** Latency buckets in seconds: a single short item (sub-ms) up to a batch that waits on timeouts. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Where the gauges read their values at each scrape. */
export interface GaugeSources {
  /** Items admitted and not yet answered. */
  queuedItems(): number;
  /** The queue's bound in items. */
  queueLimit(): number;
  /** Worker threads of the pool. */
  poolThreads(): number;
  /** Threads the pool's backstop terminated so far. */
  poolTerminations(): number;
}

/** Create the metrics; the gauges read `sources` when scraped. */
export function createServeMetrics(sources: GaugeSources): ServeMetrics {
  const registry = new Registry();
  // Process memory, CPU, heap and event-loop lag: what a soak watches.
  collectDefaultMetrics({ register: registry, prefix: 'rlvr_serve_' });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  return {
    registry,
    requests: new Counter({
      name: 'rlvr_serve_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'rlvr_serve_request_duration_seconds',
      help: 'Time from request received to response sent, by route.',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    items: new Counter({
      name: 'rlvr_serve_items_total',
      help: 'Items verified, by verifier and outcome (correct, wrong, timeout, error).',
      labelNames: ['verifier', 'outcome'],
      registers: [registry],
    }),
    timeouts: new Counter({
      name: 'rlvr_serve_item_timeouts_total',
      help: 'Items that ran past the per-item time limit (reason "timeout").',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'rlvr_serve_rejected_total',
      help: 'Requests refused with 503 because the queue was full.',
      registers: [registry],
    }),
    queuedItems: gauge('rlvr_serve_queue_items', 'Items admitted and not yet answered.', sources.queuedItems),
    queueLimit: gauge('rlvr_serve_queue_limit_items', 'Most items the queue admits (--max-queue).', sources.queueLimit),
    poolThreads: gauge(
      'rlvr_serve_pool_threads',
      'Worker threads of the verifier pool (--threads).',
      sources.poolThreads,
    ),
    poolTerminations: gauge(
      'rlvr_serve_pool_terminations',
      'Worker threads terminated and replaced because an item never returned.',
      sources.poolTerminations,
    ),
  };
}
