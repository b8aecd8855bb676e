/**
 * The trainer's side of the rollout queue. Jobs go to BullMQ (at-least-once delivery; a job whose
 * worker dies is moved back to the queue when its lock lapses and taken by another); their results are
 * read back by polling each pending job, which also survives Redis restarting: a job Redis no longer
 * knows is added again under the same id, and since a job's rollouts depend only on its content and
 * the pinned weights version, the repeat returns the same rollouts. Each result is taken once, by id,
 * and the job then removed, so every group is trained exactly once however often it was sampled.
 *
 * A new session drains what an earlier trainer on the queue left waiting (a killed run's jobs) before
 * queuing its own; jobs of other sessions still running on workers finish unread.
 */
import { hostname } from 'node:os';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TrainerError } from '../errors.js';
import type { JobRollout, RolloutJobSpec } from './jobs.js';
import { connectRedis } from './redis-connection.js';
import { ROLLOUT_JOB, rolloutJobId, type RolloutJobData, type RolloutJobResult } from './protocol.js';
import {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TTL_SECONDS,
  liveWorkers,
  releaseLease,
  renewLease,
  takeLease,
  type TrainerLease,
} from './registry.js';

/** Attempts BullMQ gives a job (a worker error, or a lapsed lock counted as a stall, is retried elsewhere). */
export const JOB_ATTEMPTS = 5;
/** How often pending jobs are looked at (ms). */
const POLL_MS = 50;
/** How often the poll looks for live workers (ms). */
const WORKER_CHECK_MS = 2000;
/** How long without a live worker before the trainer says it is waiting (ms), and then how often. */
const NO_WORKER_NOTICE_MS = 10_000;

/** Options of {@link RemoteRollouts.open}. */
export interface RemoteRolloutsOptions {
  /** Redis URL. */
  redis: string;
  queue: string;
  session: string;
  runDir: string;
  /** The weights server workers fetch from. */
  server: { url: string; token: string };
  log: (line: string) => void;
}

/** Queue state for the progress line and metrics. */
export interface QueueStatus {
  workers: number;
  waiting: number;
  active: number;
}

interface Pending {
  data: RolloutJobData;
  resolve: (result: RolloutJobResult) => void;
  reject: (error: Error) => void;
}

/** Rollout jobs queued to workers and gathered back; see the module comment. */
export class RemoteRollouts {
  private readonly pending = new Map<string, Pending>();
  private readonly results = new Map<string, Promise<RolloutJobResult>>();
  private polling: Promise<void> | null = null;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  /** Jobs added again because Redis no longer had them. */
  requeued = 0;

  private constructor(
    private readonly queue: Queue,
    private readonly redis: Redis,
    private readonly options: RemoteRolloutsOptions,
    private readonly lease: TrainerLease,
  ) {
    this.timer = setInterval(() => {
      renewLease(this.redis, this.options.queue, this.lease).catch(() => undefined);
    }, HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * Connect, take the queue's trainer lease (waiting up to one lease lifetime for a killed trainer's
   * to lapse; a live one is an error naming it) and drain what an earlier session left waiting.
   */
  static async open(options: RemoteRolloutsOptions): Promise<RemoteRollouts> {
    let redis: Redis;
    try {
      redis = await connectRedis(options.redis);
    } catch (error) {
      throw new TrainerError(`rollout.workers: ${(error as Error).message}`);
    }
    // An outage blocks the queue's commands until ioredis reconnects: say so once each way.
    let down = false;
    redis.on('reconnecting', () => {
      if (!down) options.log(`rollout queue: lost Redis at ${options.redis}; reconnecting (the step waits)`);
      down = true;
    });
    redis.on('ready', () => {
      if (down) options.log(`rollout queue: Redis at ${options.redis} is back`);
      down = false;
    });
    const lease: TrainerLease = {
      session: options.session,
      host: hostname(),
      pid: process.pid,
      runDir: options.runDir,
    };
    const deadline = Date.now() + (HEARTBEAT_TTL_SECONDS + 2) * 1000;
    for (let said = false; ; said = true) {
      const holder = await takeLease(redis, options.queue, lease);
      if (holder === null) break;
      if (Date.now() > deadline) {
        redis.disconnect();
        throw new TrainerError(
          `rollout.queue ${options.queue}: another trainer is running on it (${holder.host} pid ${holder.pid}, run ${holder.runDir}); stop it or set rollout.queue to another name`,
        );
      }
      if (!said) {
        options.log(
          `rollout queue ${options.queue}: held by ${holder.host} pid ${holder.pid}; waiting for its lease to lapse`,
        );
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const queue = new Queue(options.queue, { connection: { url: options.redis, maxRetriesPerRequest: null } });
    queue.on('error', () => undefined);
    // A killed run's jobs: waiting and delayed ones are dropped, finished ones cleaned.
    await queue.drain(true);
    await queue.clean(0, 0, 'completed');
    await queue.clean(0, 0, 'failed');
    return new RemoteRollouts(queue, redis, options, lease);
  }

  /**
   * The rollouts of `jobs`: each job's result is taken (a job queued ahead by {@link prefetch} keeps the
   * version it was queued with; any other is queued now, pinned to `version`). Each result is taken once.
   */
  async run(jobs: readonly RolloutJobSpec[], version: number): Promise<(readonly JobRollout[])[]> {
    const ids = jobs.map((spec) => this.submit(spec, version));
    try {
      const results = await Promise.all(ids.map((id) => this.results.get(id)!));
      return results.map((r) => r.rollouts);
    } finally {
      for (const id of ids) this.results.delete(id);
    }
  }

  /** Queue `jobs` ahead, pinned to weights `version`; {@link run} takes their results later. */
  prefetch(jobs: readonly RolloutJobSpec[], version: number): void {
    for (const spec of jobs) this.submit(spec, version);
  }

  /** Queue one job unless it is queued already; returns its id. */
  private submit(spec: RolloutJobSpec, version: number): string {
    const id = rolloutJobId(this.options.session, spec);
    if (this.results.has(id)) return id;
    const data: RolloutJobData = {
      session: this.options.session,
      server: this.options.server.url,
      token: this.options.server.token,
      version,
      prompts: spec.prompts,
      references: spec.references,
      options: spec.options,
    };
    const result = new Promise<RolloutJobResult>((resolve, reject) => {
      this.pending.set(id, { data, resolve, reject });
    });
    result.catch(() => undefined); // rejections reach whoever takes it
    this.results.set(id, result);
    void this.add(id, data).catch(() => undefined); // polling adds it again if this failed
    this.poll();
    return id;
  }

  /** Live workers and the queue's depth. */
  async status(): Promise<QueueStatus> {
    const [workers, counts] = await Promise.all([
      liveWorkers(this.redis, this.options.queue),
      this.queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed'),
    ]);
    return {
      workers: workers.length,
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
      active: counts.active ?? 0,
    };
  }

  /** Stop: pending results reject, the lease is given back, connections close. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const p of this.pending.values()) p.reject(new TrainerError('rollout queue closed'));
    this.pending.clear();
    await this.polling?.catch(() => undefined);
    await releaseLease(this.redis, this.options.queue, this.options.session).catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
  }

  private async add(id: string, data: RolloutJobData): Promise<void> {
    await this.queue.add(ROLLOUT_JOB, data, {
      jobId: id,
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'fixed', delay: 500 },
      removeOnFail: false,
      removeOnComplete: false,
    });
  }

  private poll(): void {
    if (this.polling !== null || this.closed) return;
    this.polling = this.pollLoop().finally(() => {
      this.polling = null;
      if (this.pending.size > 0 && !this.closed) this.poll();
    });
  }

  /** Look at every pending job until none is left; see the module comment. */
  private async pollLoop(): Promise<void> {
    let lastWorkerSeen = Date.now();
    let lastWorkerCheck = 0;
    let lastNotice = 0;
    while (this.pending.size > 0 && !this.closed) {
      for (const [id, p] of [...this.pending]) {
        let job: Job<RolloutJobData, RolloutJobResult> | undefined;
        let state: string;
        try {
          job = await Job.fromId<RolloutJobData, RolloutJobResult>(this.queue, id);
          state = job ? await job.getState() : 'missing';
        } catch {
          continue; // Redis unreachable: ioredis reconnects; the notice below says so when it lasts
        }
        if (state === 'missing' || state === 'unknown') {
          this.requeued++;
          await this.add(id, p.data).catch(() => undefined);
        } else if (state === 'completed' && job && (job.returnvalue as RolloutJobResult | null) === null) {
          continue; // it completed between reading the job and its state: read it again next time
        } else if (state === 'completed' && job) {
          this.pending.delete(id);
          p.resolve(job.returnvalue);
          await job.remove().catch(() => undefined);
        } else if (state === 'failed' && job) {
          this.pending.delete(id);
          p.reject(
            new TrainerError(
              `rollout job ${id} failed ${job.attemptsMade} time${job.attemptsMade === 1 ? '' : 's'} on workers: ${job.failedReason}`,
            ),
          );
        }
      }
      if (this.pending.size === 0) break;
      const now = Date.now();
      // Whether anyone is serving the queue matters only for the notice: looked at every few seconds.
      if (now - lastWorkerCheck < WORKER_CHECK_MS) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        continue;
      }
      lastWorkerCheck = now;
      const workers = await liveWorkers(this.redis, this.options.queue).catch(() => null);
      if (workers === null || workers.length > 0) lastWorkerSeen = now;
      if (now - lastWorkerSeen > NO_WORKER_NOTICE_MS && now - lastNotice > NO_WORKER_NOTICE_MS * 3) {
        lastNotice = now;
        this.options.log(
          `rollout queue ${this.options.queue}: no live worker for ${Math.round((now - lastWorkerSeen) / 1000)} s; start one with: rlvr worker --redis ${this.options.redis} --queue ${this.options.queue} (${this.pending.size} jobs pending)`,
        );
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}
