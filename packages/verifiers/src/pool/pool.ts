/**
 * VerifierPool: verifications on worker threads (piscina) with a per-item time limit and memory cap.
 *
 * Design. Items are sent in chunks (one message per item costs more than a fast verification), but
 * the time limit stays per item. It is enforced in two layers:
 *
 * - In the worker: each item runs under a cooperative deadline that the built-in verifiers check in
 *   their loops, and an item that stops at it or returns after the limit gets `timeout`; the worker
 *   stays up and goes on with the chunk. A timeout then costs about the limit itself, instead of a
 *   thread restart (tens of ms, on the critical path, and a cold JIT in the new thread whose first
 *   items run slower and can time out in turn).
 * - On the main thread, the backstop: the worker writes into a small SharedArrayBuffer which item of
 *   the chunk it is on and when that item started, and a watchdog aborts the task once the current
 *   item has run `graceMs` past the limit (an infinite loop in a custom verifier, a single call that
 *   never checks the deadline). Aborting a running piscina task terminates its thread and piscina
 *   starts a replacement. Because the buffer names the culprit, only that item gets `timeout`; the
 *   chunk's other items are queued again (the ones before it are cheap to redo, the ones after it
 *   never ran). A worker that dies (memory limit, `process.exit`) is handled the same way with
 *   `error: <why>`. Time spent queued or while a replacement worker boots is never charged to an item.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { VerifierError } from '../errors.js';
import type { VerificationResult } from '../types.js';
import {
  NOT_STARTED,
  PROGRESS_BYTES,
  nowMs,
  progressViews,
  resultAt,
  STOPPED,
  TIMED_OUT,
  TIMEOUT_RESULT,
  type PoolItem,
  type WorkerReply,
  type WorkerSetup,
  type WorkerTask,
} from './protocol.js';

/** Options of {@link VerifierPool}. */
export interface VerifierPoolOptions {
  /** Worker threads; default min(2, available cores). */
  threads?: number;
  /** Per-item time limit in milliseconds (an item over it gets reward 0, reason `timeout`); default 2000. */
  timeoutMs?: number;
  /**
   * How long past `timeoutMs` an item may keep running before its worker thread is terminated, in ms
   * (default 250). Items that stop at the limit (the built-in verifiers check it in their loops) or
   * return late never cost a thread; 0 terminates the thread as soon as an item reaches the limit.
   */
  graceMs?: number;
  /**
   * Modules (file paths, or `file:` URLs) whose default export is a Verifier or an array of them,
   * imported in every worker and registered after the built-ins (a module may replace a built-in of
   * the same name). Modules must be plain JavaScript that Node can import: workers do not compile TS.
   */
  modules?: readonly (string | URL)[];
  /** Old-generation heap limit of each worker in MiB; a verification that exceeds it gets `error: …`. Default 512. */
  maxMemoryMb?: number;
  /** Most items per message to a worker; default 256. */
  chunkSize?: number;
}

export type { PoolItem } from './protocol.js';

/** Counts of what the time limit did in a {@link VerifierPool}, since it was created. */
export interface PoolStats {
  /** Items that got `timeout`. */
  timeouts: number;
  /** Of those, the items whose verifier stopped itself at the deadline (the worker went on). */
  stoppedAtDeadline: number;
  /** Worker threads terminated because an item ran `graceMs` past the limit (each one was replaced). */
  terminations: number;
}

const DEFAULT_TIMEOUT_MS = 2000;
// Past the limit, a built-in verifier stops at its next deadline check (µs later); this is room for a
// descheduled thread on a busy machine and for one long uninterruptible step (a compute-engine call is
// itself cut at the remaining time), far below what a thread restart and a cold JIT cost in total.
const DEFAULT_GRACE_MS = 250;
// Generous for any sane verification (a 10 MB completion is ~20 MB as a JS string), small enough
// that a runaway allocation fails in about a second instead of swapping the machine.
const DEFAULT_MAX_MEMORY_MB = 512;
// Measured with bench/verifiers.bench.ts: below ~64 the message round trip shows on GSM8K/Countdown
// (µs per item); above 256 nothing is gained and a failure re-runs more items.
const DEFAULT_CHUNK_SIZE = 256;

/** One chunk in flight or queued: the items and their positions in the job's result array. */
interface Chunk {
  job: Job;
  items: PoolItem[];
  positions: number[];
}

/** One `score` call. */
interface Job {
  results: VerificationResult[];
  remaining: number;
  failed: boolean;
  resolve: (results: VerificationResult[]) => void;
  reject: (error: unknown) => void;
}

/**
 * A pool of worker threads that runs verifications with a per-item time limit. `score` returns
 * results in input order; a check that throws, hangs or exhausts memory gives that item reward 0 with
 * reason `error: …` or `timeout`, and the pool keeps serving. Call `close()` when done.
 */
export class VerifierPool {
  /** Number of worker threads. */
  readonly threads: number;
  /** Per-item time limit in milliseconds. */
  readonly timeoutMs: number;
  /** Most items per message to a worker. */
  readonly chunkSize: number;
  /** How long past the limit an item may run before its worker thread is terminated. */
  readonly graceMs: number;
  private readonly counts: PoolStats = { timeouts: 0, stoppedAtDeadline: 0, terminations: 0 };
  private readonly piscina: Piscina;
  private readonly queue: Chunk[] = [];
  // Two tasks per thread: piscina hands a worker its next chunk as soon as it finishes one. More
  // would only queue inside piscina, where a task waiting for a thread cannot be told from a slow one.
  private readonly maxInFlight: number;
  private inFlight = 0;
  private readonly active = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  /** Start the workers; bad options are {@link VerifierError}s. */
  constructor(options: VerifierPoolOptions = {}) {
    this.threads = positiveInteger('threads', options.threads, Math.min(2, availableParallelism()));
    this.timeoutMs = positiveInteger('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
    this.chunkSize = positiveInteger('chunkSize', options.chunkSize, DEFAULT_CHUNK_SIZE);
    this.graceMs = nonNegativeInteger('graceMs', options.graceMs, DEFAULT_GRACE_MS);
    const maxMemoryMb = positiveInteger('maxMemoryMb', options.maxMemoryMb, DEFAULT_MAX_MEMORY_MB);
    // With no grace, the backstop alone decides, as soon as an item reaches the limit.
    const workerLimit = this.graceMs === 0 ? Infinity : this.timeoutMs;
    const setup: WorkerSetup = { modules: moduleUrls(options.modules), timeoutMs: workerLimit };
    this.maxInFlight = 2 * this.threads;
    this.piscina = new Piscina({
      filename: workerFile(),
      minThreads: this.threads,
      maxThreads: this.threads,
      workerData: setup,
      resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb },
    });
    // Piscina emits 'error' for a worker that fails with no task on it; every failure that matters
    // already reaches the task's promise, and an unhandled 'error' event would crash the process.
    this.piscina.on('error', () => undefined);
  }

  /**
   * Verify every item; resolves with one result per item, in input order. Rejects only for bad
   * arguments, a closed pool, or a `modules` entry that cannot be loaded (all {@link VerifierError}s).
   */
  score(items: readonly PoolItem[]): Promise<VerificationResult[]> {
    if (this.closing !== undefined) {
      return Promise.reject(new VerifierError('pool', 'closed; create a new VerifierPool'));
    }
    try {
      checkItems(items);
    } catch (error) {
      return Promise.reject(error);
    }
    if (items.length === 0) return Promise.resolve([]);
    const promise = new Promise<VerificationResult[]>((resolve, reject) => {
      const job: Job = { results: new Array(items.length), remaining: items.length, failed: false, resolve, reject };
      // Several chunks per thread even for small calls, so that both threads get work.
      const size = Math.max(1, Math.min(this.chunkSize, Math.ceil(items.length / (4 * this.threads))));
      for (let start = 0; start < items.length; start += size) {
        const end = Math.min(items.length, start + size);
        const positions: number[] = [];
        for (let i = start; i < end; i++) positions.push(i);
        this.queue.push({ job, items: items.slice(start, end), positions });
      }
      this.dispatch();
    });
    this.active.add(promise);
    const forget = () => this.active.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** What the time limit has done so far (a copy): timeouts, how many stopped in the worker, threads terminated. */
  stats(): PoolStats {
    return { ...this.counts };
  }

  /** Wait for running `score` calls, then stop the workers. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.active]);
      await this.piscina.destroy();
      // Piscina is an async resource that never reports its own end; without this, async-hook
      // based leak detectors (jest --detectOpenHandles) see a closed pool as an open handle.
      this.piscina.emitDestroy();
    })();
    return this.closing;
  }

  private dispatch(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const chunk = this.queue.shift()!;
      if (chunk.job.failed) continue;
      this.inFlight++;
      this.run(chunk);
    }
  }

  private run(chunk: Chunk): void {
    const progress = new SharedArrayBuffer(PROGRESS_BYTES);
    const { startedAt, index } = progressViews(progress);
    Atomics.store(index, 0, NOT_STARTED);
    const controller = new AbortController();
    let culpritOfTimeout = -1;
    let timer: NodeJS.Timeout | undefined;

    // Wakes up when the current item would reach the hard limit; if the worker has moved on, sleeps
    // until the new item's. So about one wake-up per hard limit per running chunk, however fast items are.
    const hardLimit = this.timeoutMs + this.graceMs;
    const watch = () => {
      const current = Atomics.load(index, 0);
      if (current < 0) {
        timer = setTimeout(watch, hardLimit);
        return;
      }
      const left = startedAt[0]! + hardLimit - nowMs();
      if (left > 0) {
        timer = setTimeout(watch, Math.ceil(left));
        return;
      }
      culpritOfTimeout = current;
      this.counts.terminations++;
      controller.abort();
    };
    timer = setTimeout(watch, hardLimit);

    const task = toTask(chunk.items, progress);
    this.piscina.run(task, { signal: controller.signal }).then(
      (reply: WorkerReply) => {
        clearTimeout(timer);
        this.settle();
        if ('fatal' in reply) this.fail(chunk.job, new VerifierError('modules', reply.fatal));
        else {
          for (let i = 0; i < chunk.positions.length; i++) {
            const flags = reply.flags[i]!;
            if ((flags & TIMED_OUT) !== 0) this.counts.timeouts++;
            if ((flags & STOPPED) !== 0) this.counts.stoppedAtDeadline++;
            this.deliverOne(chunk.job, chunk.positions[i]!, resultAt(reply, i));
          }
        }
      },
      (error: unknown) => {
        clearTimeout(timer);
        this.settle();
        // Terminated for a timeout, or the worker died (memory limit, exit): the progress index
        // names the item that was running.
        const culprit = culpritOfTimeout >= 0 ? culpritOfTimeout : Atomics.load(index, 0);
        const failure = culpritOfTimeout >= 0 ? TIMEOUT_RESULT : errorResult(messageOf(error));
        if (culpritOfTimeout >= 0) this.counts.timeouts++;
        if (culprit < 0) {
          // Died before its first item (or after its last): no item to blame, and re-queueing could
          // loop forever, so every item of the chunk carries the error.
          for (const position of chunk.positions) this.deliverOne(chunk.job, position, { ...failure });
          return;
        }
        this.deliverOne(chunk.job, chunk.positions[culprit]!, { ...failure });
        const items = chunk.items.filter((_, i) => i !== culprit);
        const positions = chunk.positions.filter((_, i) => i !== culprit);
        if (items.length > 0) this.queue.unshift({ job: chunk.job, items, positions });
        this.dispatch();
      },
    );
  }

  private settle(): void {
    this.inFlight--;
    this.dispatch();
  }

  private deliverOne(job: Job, position: number, result: VerificationResult): void {
    if (job.failed) return;
    job.results[position] = result;
    if (--job.remaining === 0) job.resolve(job.results);
  }

  private fail(job: Job, error: unknown): void {
    if (job.failed) return;
    job.failed = true;
    job.reject(error);
  }
}

/** A chunk as the worker wants it: by columns, the verifier name once when all items share it. */
function toTask(items: readonly PoolItem[], progress: SharedArrayBuffer): WorkerTask {
  const first = items[0]!.verifier;
  const single = items.every((item) => item.verifier === first);
  return {
    verifiers: single ? first : items.map((item) => item.verifier),
    completions: items.map((item) => item.completion),
    references: items.map((item) => item.reference),
    progress,
  };
}

/**
 * The worker script. From the build (`dist/index.js`) it sits next to this module; when this module
 * runs from sources (jest, tsx), workers still need plain JavaScript, so they use the built one. It
 * is CommonJS because piscina loads it with `require()`: an ESM script would go through Node's
 * `require(esm)`, which aborts the whole process when a thread is terminated while loading it.
 */
function workerFile(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../dist/pool-worker.cjs', here) : new URL('./pool-worker.cjs', here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new VerifierError(
      'VerifierPool',
      `worker script ${path} is missing; build the package first (npx nx run @rlvr/verifiers:build)`,
    );
  }
  return path;
}

function moduleUrls(modules: VerifierPoolOptions['modules']): string[] {
  if (modules === undefined) return [];
  if (!Array.isArray(modules)) throw new VerifierError('modules', 'expected an array of file paths or file: URLs');
  return modules.map((entry: unknown, i) => {
    if (entry instanceof URL) return entry.href;
    if (typeof entry !== 'string' || entry === '') {
      throw new VerifierError(`modules[${i}]`, `expected a file path or a file: URL, got ${JSON.stringify(entry)}`);
    }
    if (entry.startsWith('file:')) return entry;
    // Resolved here, against this process's working directory, not the worker's module location.
    return pathToFileURL(isAbsolute(entry) ? entry : resolve(entry)).href;
  });
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new VerifierError(name, `expected an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

function nonNegativeInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new VerifierError(name, `expected an integer ≥ 0, got ${String(value)}`);
  }
  return value;
}

function checkItems(items: readonly PoolItem[]): void {
  if (!Array.isArray(items)) throw new VerifierError('items', 'expected an array of {verifier, completion, reference}');
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Partial<PoolItem> | null | undefined;
    if (typeof item !== 'object' || item === null) {
      throw new VerifierError(`items[${i}]`, 'expected an object {verifier, completion, reference}');
    }
    if (typeof item.verifier !== 'string') {
      throw new VerifierError(`items[${i}].verifier`, 'expected a verifier name (string)');
    }
    if (typeof item.completion !== 'string') throw new VerifierError(`items[${i}].completion`, 'expected a string');
  }
}

function errorResult(message: string): VerificationResult {
  return { reward: 0, correct: false, formatOk: false, extracted: null, reason: `error: ${message}` };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
