/**
 * What the pool's main thread and its workers exchange. Kept in one module so that both sides
 * agree on the layout of the shared progress buffer.
 */
import type { VerificationResult } from '../types.js';

/** One verification asked of a {@link VerifierPool}: which verifier, the completion, the raw reference. */
export interface PoolItem {
  /** Name of a verifier registered in the workers (a built-in or one from `modules`). */
  verifier: string;
  /** The model's completion. */
  completion: string;
  /** The reference as found in the data (parsed JSON); the worker runs the verifier's `parseReference` on it. */
  reference: unknown;
}

/** What the worker module receives at start-up (piscina's `workerData`). */
export interface WorkerSetup {
  /** File URLs of modules whose default export is a Verifier or an array of them. */
  modules: string[];
  /** The per-item time limit in ms: the worker gives an item over it `timeout` and goes on. */
  timeoutMs: number;
}

/**
 * One task: a chunk of items, by columns, plus the buffer through which the worker reports its
 * progress. Columns because structured cloning an array of strings costs about a third of an array
 * of small objects (measured: 0.29 vs 0.76 µs per item), and cloning is most of the pool's overhead.
 */
export interface WorkerTask {
  /** The verifier of every item (one name when the chunk uses a single verifier, the usual case). */
  verifiers: string | string[];
  /** Completions, in item order. */
  completions: string[];
  /** Raw references, in item order. */
  references: unknown[];
  /** {@link PROGRESS_BYTES} bytes: see {@link progressViews}. */
  progress: SharedArrayBuffer;
}

/** Bits of {@link ColumnarResults.flags}. */
export const CORRECT = 1;
/** Bits of {@link ColumnarResults.flags}. */
export const FORMAT_OK = 2;
/** Bits of {@link ColumnarResults.flags}: the item ran past the time limit (its result is `timeout`). */
export const TIMED_OUT = 4;
/** Bits of {@link ColumnarResults.flags}: with {@link TIMED_OUT}, the verifier stopped itself at its deadline. */
export const STOPPED = 8;

/** The results of a chunk by columns (see {@link WorkerTask} for why). */
export interface ColumnarResults {
  /** Reward of each item. */
  rewards: Float64Array;
  /** {@link CORRECT} | {@link FORMAT_OK} | {@link TIMED_OUT} | {@link STOPPED} of each item. */
  flags: Uint8Array;
  /** Extracted answer of each item. */
  extracted: (string | null)[];
  /** Reason of each item. */
  reasons: string[];
}

/** The worker's answer: the chunk's results, or a failure that concerns every task (a module that cannot load). */
export type WorkerReply = ColumnarResults | { fatal: string };

/** The result of an item whose check ran past the time limit. */
export const TIMEOUT_RESULT: Readonly<VerificationResult> = {
  reward: 0,
  correct: false,
  formatOk: false,
  extracted: null,
  reason: 'timeout',
};

/** Result `i` of a columnar reply as a {@link VerificationResult}. */
export function resultAt(results: ColumnarResults, i: number): VerificationResult {
  const flags = results.flags[i]!;
  return {
    reward: results.rewards[i]!,
    correct: (flags & CORRECT) !== 0,
    formatOk: (flags & FORMAT_OK) !== 0,
    extracted: results.extracted[i]!,
    reason: results.reasons[i]!,
  };
}

/** Size of a task's progress buffer. */
export const PROGRESS_BYTES = 16;
/** Progress index before the worker has started the first item of a task. */
export const NOT_STARTED = -1;
/** Progress index once the worker has verified every item (it is sending the results). */
export const FINISHED = -2;

/**
 * Views of a progress buffer: `startedAt[0]` is when the current item started (epoch ms as
 * `performance.timeOrigin + performance.now()`, comparable across threads), `index[0]` is the item
 * being verified. The worker writes `startedAt` first and then stores `index` atomically, so a reader
 * that loads `index` atomically never pairs it with an older start time (it can only see a newer one,
 * which errs on the side of not timing out).
 */
export function progressViews(buffer: SharedArrayBuffer): { startedAt: Float64Array; index: Int32Array } {
  return { startedAt: new Float64Array(buffer, 0, 1), index: new Int32Array(buffer, 8, 1) };
}

/** Milliseconds since the epoch with sub-millisecond resolution, on the same clock in every thread. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
