/**
 * `rlvr worker`: takes rollout jobs from a BullMQ queue, samples them with its own ONNX Runtime
 * sampler, scores them with its own verifier pool, and returns the rollouts with their per-token
 * logprobs and scores. What it needs of a run it fetches from the run's weights server once: the
 * session (config, model files) when it meets a new trainer session, and each policy version when a
 * job first asks for it. It samples exactly as the trainer's own sampler would (weights as graph
 * inputs on the CPU, the same f32 values), so a job's rollouts do not depend on which worker ran it.
 *
 * A stop request (Ctrl-C) lets the running job finish and return before the worker exits; a killed
 * worker's job is moved back to the queue by another worker once its lock lapses (`lockSeconds`).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Worker, type Job } from 'bullmq';
import { readSafetensors } from '@rlvr/core';
import { Sampler, loadModelDir } from '@rlvr/sampler';
import { VerifierPool } from '@rlvr/verifiers';
import { TRAIN_CONFIG_SCHEMA, type TrainConfig } from '../config/index.js';
import { TrainerError } from '../errors.js';
import { resolveRewards, scoreRollouts, type RewardSetup } from '../loop/reward-functions.js';
import { selectSamplingDevice } from '../loop/sampling-device.js';
import { trainingWeightMode } from '../loop/task-environment.js';
import { TASK_KINDS } from '../tasks/task-kinds.js';
import type { JobRollout } from './jobs.js';
import type { RolloutJobData, RolloutJobResult } from './protocol.js';
import { ROLLOUT_JOB } from './protocol.js';
import { connectRedis } from './redis-connection.js';
import { JOB_ATTEMPTS } from './remote-rollouts.js';
import { HEARTBEAT_INTERVAL_MS, beat, forget, type WorkerRecord } from './registry.js';
import type { SessionManifest } from './weights-server.js';

/** How long a stopping worker waits for the queue to close (Redis may be gone), in ms. */
const CLOSE_WAIT_MS = 10_000;

/** Options of {@link runWorker}. */
export interface RolloutWorkerOptions {
  redis: string;
  queue: string;
  /** ORT intra-op threads (default: RLVR_CPU_THREADS, else every core) and verifier threads. */
  threads?: number;
  /** Where sessions' model files and weight downloads go. */
  cacheDir: string;
  /** Seconds a job's lock lives without renewal: a killed worker's job returns to the queue after about this long. */
  lockSeconds: number;
  log: (line: string) => void;
  /** Aborted to stop after the running job. */
  stop?: AbortSignal;
}

/** What a worker holds for the session it last served. */
interface SessionState {
  session: string;
  sampler: Sampler;
  pool: VerifierPool;
  rewards: RewardSetup;
  version: number;
  dir: string;
}

/** GET `url` from a trainer's weights server; an unreachable server is an error saying which settings place it. */
async function get(url: string, token: string): Promise<Response> {
  try {
    return await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new TrainerError(
      `cannot reach the trainer's weights server at ${new URL(url).origin} (${cause}); the trainer sets where it listens and what it advertises with rollout.host, rollout.port and rollout.advertise`,
    );
  }
}

/** Download `url` (with the session's token) to `path`, atomically. */
async function download(url: string, token: string, path: string): Promise<void> {
  const response = await get(url, token);
  if (!response.ok || response.body === null) {
    throw new TrainerError(`GET ${url}: HTTP ${response.status} ${await response.text().catch(() => '')}`);
  }
  const partial = `${path}.partial`;
  await pipeline(Readable.fromWeb(response.body as WebReadableStream), createWriteStream(partial));
  renameSync(partial, path);
}

/**
 * Take rollout jobs until stopped; see the module comment. Resolves with the number of jobs done and
 * whether it stopped without Redis (`detached`: the queue's connections may still be retrying).
 */
export async function runWorker(options: RolloutWorkerOptions): Promise<{ jobs: number; detached: boolean }> {
  const { log } = options;
  const record: WorkerRecord = {
    // Host and pid for people; the random part keeps containers that share both apart.
    id: `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    host: hostname(),
    pid: process.pid,
    threads: options.threads ?? 0,
    session: null,
    version: null,
    jobs: 0,
    completionTokens: 0,
    tokensPerSecond: 0,
    since: new Date().toISOString(),
    busy: null,
  };
  let sampleSeconds = 0;
  let state: SessionState | null = null;
  const { device } = await selectSamplingDevice('cpu', { log });

  const closeSession = async (): Promise<void> => {
    if (!state) return;
    const old = state;
    state = null;
    await old.pool.close();
    await old.sampler.model.release();
    rmSync(old.dir, { recursive: true, force: true });
  };

  /** The sampler and scorer of `data`'s session at `data.version`, fetching what is missing. */
  const sessionFor = async (data: RolloutJobData): Promise<SessionState> => {
    if (state && state.session !== data.session) await closeSession();
    if (!state) {
      const dir = join(options.cacheDir, data.session);
      mkdirSync(dir, { recursive: true });
      const response = await get(`${data.server}/session`, data.token);
      if (!response.ok) throw new TrainerError(`GET ${data.server}/session: HTTP ${response.status}`);
      const manifest = (await response.json()) as SessionManifest;
      const config: TrainConfig = TRAIN_CONFIG_SCHEMA.parse(manifest.config);
      for (const name of manifest.files) await download(`${data.server}/files/${name}`, data.token, join(dir, name));
      await download(`${data.server}/weights/${data.version}`, data.token, join(dir, 'model.safetensors'));
      const loaded = await loadModelDir(dir, {
        device,
        weightMode: trainingWeightMode(device),
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      });
      rmSync(join(dir, 'model.safetensors'));
      const rewards = await resolveRewards(config, TASK_KINDS[config.task.name].verifier);
      const pool = new VerifierPool({
        ...(rewards.modules.length > 0 ? { modules: rewards.modules } : {}),
        ...(options.threads ? { threads: options.threads } : {}),
      });
      state = {
        session: data.session,
        sampler: new Sampler(loaded.model, loaded.tokenizer),
        pool,
        rewards,
        version: data.version,
        dir,
      };
      log(`session ${data.session}: ${config.model.path}, task ${config.task.name}, weights version ${data.version}`);
    } else if (state.version !== data.version) {
      const file = join(state.dir, `v${data.version}.safetensors`);
      await download(`${data.server}/weights/${data.version}`, data.token, file);
      const { tensors } = await readSafetensors(file);
      rmSync(file);
      await state.sampler.setWeights(tensors);
      state.version = data.version;
    }
    record.session = state.session;
    record.version = state.version;
    return state;
  };

  const process_ = async (job: Job<RolloutJobData, RolloutJobResult>): Promise<RolloutJobResult> => {
    record.busy = job.id ?? null;
    try {
      const data = job.data;
      log(
        `job ${job.id}: ${data.prompts.length} prompt${data.prompts.length === 1 ? '' : 's'} × ${data.options.groupSize}, weights version ${data.version}`,
      );
      const s = await sessionFor(data);
      const started = performance.now();
      const rollouts = await s.sampler.generate(data.prompts, data.options);
      const sampled = performance.now();
      const scores = await scoreRollouts(
        s.pool,
        s.rewards,
        (ids) => s.sampler.tokenizer.decode(ids),
        rollouts,
        rollouts.map((r) => data.references[r.promptIndex]),
      );
      const completionTokens = rollouts.reduce((n, r) => n + r.completionIds.length, 0);
      record.jobs++;
      record.completionTokens += completionTokens;
      sampleSeconds += (sampled - started) / 1000;
      record.tokensPerSecond = sampleSeconds > 0 ? record.completionTokens / sampleSeconds : 0;
      const out: JobRollout[] = rollouts.map((r, i) => ({
        promptIndex: r.promptIndex,
        sampleIndex: r.sampleIndex,
        completionIds: r.completionIds,
        logprobs: r.logprobs,
        text: r.text,
        finishReason: r.finishReason,
        score: scores[i]!,
      }));
      return {
        worker: record.id,
        version: s.version,
        rollouts: out,
        completionTokens,
        sampleSeconds: (sampled - started) / 1000,
        scoreSeconds: (performance.now() - sampled) / 1000,
      };
    } finally {
      record.busy = null;
    }
  };

  const redis = await connectRedis(options.redis);
  const worker = new Worker<RolloutJobData, RolloutJobResult>(
    options.queue,
    async (job) => {
      if (job.name !== ROLLOUT_JOB) throw new TrainerError(`unknown job ${job.name}`);
      return await process_(job);
    },
    {
      connection: { url: options.redis, maxRetriesPerRequest: null },
      concurrency: 1,
      lockDuration: options.lockSeconds * 1000,
      stalledInterval: options.lockSeconds * 1000,
      maxStalledCount: JOB_ATTEMPTS,
    },
  );
  let lastError = '';
  worker.on('error', (error) => {
    if (error.message !== lastError) log(`warning: queue: ${error.message} (reconnecting)`);
    lastError = error.message;
  });
  worker.on('failed', (job, error) => log(`job ${job?.id ?? '?'} failed: ${error.message}`));
  const heartbeat = async (): Promise<void> => {
    await beat(redis, options.queue, record).catch(() => undefined);
  };
  await heartbeat();
  const timer = setInterval(() => void heartbeat(), HEARTBEAT_INTERVAL_MS);
  log(`worker ${record.id} on queue ${options.queue} at ${options.redis}`);
  let detached = false;
  try {
    await new Promise<void>((resolve) => {
      if (options.stop?.aborted) resolve();
      options.stop?.addEventListener('abort', () => resolve(), { once: true });
    });
    log(`stopping: finishing the running job`);
    // Closing waits for Redis; without it there is nothing to hand back, so the wait is bounded.
    const closed = await Promise.race([
      worker.close().then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), CLOSE_WAIT_MS).unref()),
    ]);
    if (!closed) {
      log(`Redis at ${options.redis} did not answer within ${CLOSE_WAIT_MS / 1000} s; stopping without it`);
      detached = true;
    }
  } finally {
    clearInterval(timer);
    // Its heartbeat lapses by itself if Redis cannot take the removal now.
    if (redis.status === 'ready') await forget(redis, options.queue, record.id).catch(() => undefined);
    redis.disconnect();
    await closeSession();
  }
  return { jobs: record.jobs, detached };
}
