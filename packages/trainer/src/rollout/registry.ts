/**
 * Who is on a queue, kept in Redis beside BullMQ's own keys: each worker refreshes a heartbeat record
 * (host, model version, jobs done, tokens/s) that expires when it stops refreshing it, and the one
 * trainer of a queue holds a lease the same way, so a second trainer on the same queue is refused
 * while the first is alive; a killed one's lease lapses within {@link HEARTBEAT_TTL_SECONDS}, or at
 * once for a trainer on the same machine whose process is gone.
 */
import type { Redis } from 'ioredis';

/** Seconds a heartbeat or lease lives without a refresh. */
export const HEARTBEAT_TTL_SECONDS = 15;
/** How often heartbeats and leases are refreshed (ms). */
export const HEARTBEAT_INTERVAL_MS = 5000;

/** What a worker says about itself. */
export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  /** ORT intra-op threads of its sampler. */
  threads: number;
  /** The trainer session and policy version it holds (null before its first job). */
  session: string | null;
  version: number | null;
  jobs: number;
  completionTokens: number;
  /** Completion tokens per second of sampling, over its jobs so far. */
  tokensPerSecond: number;
  /** ISO time it started. */
  since: string;
  /** The job it is running, if any. */
  busy: string | null;
}

/** Redis key of a worker's heartbeat. */
export function workerKey(queue: string, id: string): string {
  return `rlvr:${queue}:worker:${id}`;
}

/** Redis key of a queue's trainer lease. */
export function trainerKey(queue: string): string {
  return `rlvr:${queue}:trainer`;
}

/** Write (and refresh) a worker's heartbeat. */
export async function beat(redis: Redis, queue: string, record: WorkerRecord): Promise<void> {
  await redis.set(workerKey(queue, record.id), JSON.stringify(record), 'EX', HEARTBEAT_TTL_SECONDS);
}

/** Remove a worker's heartbeat (it stopped cleanly). */
export async function forget(redis: Redis, queue: string, id: string): Promise<void> {
  await redis.del(workerKey(queue, id));
}

/** The live workers of a queue (heartbeat within {@link HEARTBEAT_TTL_SECONDS}), by id. */
export async function liveWorkers(redis: Redis, queue: string): Promise<WorkerRecord[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', workerKey(queue, '*'), 'COUNT', 200);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  return values
    .filter((v): v is string => v !== null)
    .map((v) => JSON.parse(v) as WorkerRecord)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** What a trainer's lease holds. */
export interface TrainerLease {
  session: string;
  host: string;
  pid: number;
  runDir: string;
}

/**
 * Take the queue's trainer lease for `lease`, or return the live holder's record (another trainer).
 * The caller keeps it with {@link renewLease} and gives it back with {@link releaseLease}.
 */
export async function takeLease(redis: Redis, queue: string, lease: TrainerLease): Promise<TrainerLease | null> {
  const taken = await redis.set(trainerKey(queue), JSON.stringify(lease), 'EX', HEARTBEAT_TTL_SECONDS, 'NX');
  if (taken === 'OK') return null;
  const holder = await redis.get(trainerKey(queue));
  // It lapsed between the two calls: try once more.
  if (holder === null) return takeLease(redis, queue, lease);
  const parsed = JSON.parse(holder) as TrainerLease;
  if (parsed.session === lease.session) return null;
  // A trainer of this machine that no longer runs (killed): its lease need not be waited out.
  if (parsed.host === lease.host && !processAlive(parsed.pid)) {
    await redis.del(trainerKey(queue));
    return takeLease(redis, queue, lease);
  }
  return parsed;
}

/** Whether a process of this machine with `pid` exists. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Refresh a lease this session holds (re-taking it if Redis lost it, e.g. after a restart). */
export async function renewLease(redis: Redis, queue: string, lease: TrainerLease): Promise<void> {
  await redis.set(trainerKey(queue), JSON.stringify(lease), 'EX', HEARTBEAT_TTL_SECONDS);
}

/** Give a lease back, only if this session still holds it. */
export async function releaseLease(redis: Redis, queue: string, session: string): Promise<void> {
  const holder = await redis.get(trainerKey(queue));
  if (holder !== null && (JSON.parse(holder) as TrainerLease).session === session) await redis.del(trainerKey(queue));
}
