/**
 * Rollout workers (`rlvr worker` processes on a Redis/BullMQ queue) against sampling in the trainer's
 * own process, on the embedded countdown-search-base model (compact template; 16 prompts × 8 samples ×
 * up to 128 new tokens per step, 4 prompts per job), all on this machine with T threads in total
 * (WORKERS_BENCH_THREADS, default every core). A local redis-server and three workers run for the
 * whole benchmark: one with T threads on one queue, two with T/2 threads each on another. Each
 * configuration is a real `rlvr train` process; configurations alternate within every round, since the
 * machine is shared and noisy. Entries (bench-results/rollout-workers.json):
 *   - `rollout-tokens-per-s-inprocess-t<T>`: completion tokens per second of the sample and verify phases
 *     (median over the steps after the first of every round), sampling in the trainer's process.
 *   - `rollout-tokens-per-s-1worker-t<T>`, `rollout-tokens-per-s-2workers-t<T/2>`: the same through the
 *     workers, against the in-process figure of the same round.
 *   - `queue-round-trip-p50-ms`, `-p90-ms`: one job of 1 prompt × 8 samples, from the trainer's
 *     enqueue to its result read (RemoteRollouts.run, jobs one after another so none waits for a worker).
 *   - `queue-overhead-per-job-p50-ms`, `-p90-ms`: that round trip minus the job's sampleSeconds and
 *     scoreSeconds as the worker reports them (the queue, polling, transfer and JSON).
 *   - `async-step-seconds-staleness1`: wall time per step with rollout.maxStaleness 1 against 0 (both
 *     with loss.tisCap 2, the two T/2-thread workers), median over the steps from the third on.
 *   - `load-average-1m`: the machine's load when the run started.
 * WORKERS_BENCH_ROUNDS (default 3) sets the rounds, WORKERS_BENCH_STEPS (default 6) the steps per run,
 * WORKERS_BENCH_JOBS (default 30) the timed single jobs. Needs redis-server on the PATH.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QueueEvents } from 'bullmq';
import { readSafetensors } from '@rlvr/core';
import { comparedRounds, median, standalone, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { parseTrainConfig, type TrainConfigInput } from '../src/config/index.js';
import { closeTaskEnvironment, openTaskEnvironment } from '../src/loop/task-environment.js';
import { embeddedModelDir } from '../src/models/embedded.js';
import type { StepMetrics } from '../src/metrics/index.js';
import { splitDraw } from '../src/rollout/jobs.js';
import { rolloutJobId, type RolloutJobResult } from '../src/rollout/protocol.js';
import { RemoteRollouts } from '../src/rollout/remote-rollouts.js';
import { startWeightsServer } from '../src/rollout/weights-server.js';

const THREADS = Number(process.env.WORKERS_BENCH_THREADS ?? availableParallelism());
const ROUNDS = Number(process.env.WORKERS_BENCH_ROUNDS ?? 3);
const STEPS = Number(process.env.WORKERS_BENCH_STEPS ?? 6);
const JOBS = Number(process.env.WORKERS_BENCH_JOBS ?? 30);
const HALF = Math.max(1, Math.floor(THREADS / 2));
const PROMPTS = 16;
const GROUP = 8;
const NEW_TOKENS = 128;

const CONFIG: TrainConfigInput = {
  model: { path: 'embedded:countdown-search-base' },
  task: { name: 'countdown', template: 'compact' },
  weighting: { name: 'sqrt-r', zeroVariance: 'reinforce' },
  sampling: { promptsPerStep: PROMPTS, groupSize: GROUP, maxNewTokens: NEW_TOKENS },
  optim: { lr: 1e-3 },
  loss: { tisCap: 2 },
  eval: { interval: 0 },
  checkpoint: { interval: 0 },
  backend: 'cpu',
  seed: 5,
  maxSteps: STEPS,
  rollout: { promptsPerJob: 4 },
};

const entries: BenchEntry[] = [standalone('load-average-1m', loadavg()[0]!, 'processes (lower is a quieter machine)')];
const root = mkdtempSync(join(tmpdir(), 'rlvr-workers-bench-'));
const configPath = join(root, 'config.json');
writeFileSync(configPath, JSON.stringify(CONFIG));
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const wgsl = fileURLToPath(new URL('../../kernels/bench/register-wgsl.mjs', import.meta.url));
const children: ChildProcess[] = [];

/** The `rlvr` command line from source in a child process; stderr is kept for errors and `ready`. */
function rlvr(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', wgsl, '--conditions=@rlvr/source', cli, ...args],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, exited };
}

/** Resolves when `child`'s stderr matches `pattern`; rejects if it exits first. */
function stderrMatch(child: ChildProcess, exited: Promise<unknown>, pattern: RegExp, what: string): Promise<void> {
  let text = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (pattern.test(text)) resolve();
    });
    void exited.then(() => reject(new Error(`${what} exited before it was ready:\n${text.slice(-2000)}`)));
  });
}

/** SIGTERM `child` and wait for it to exit (SIGKILL after 20 s). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((resolve) => child.on('close', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await closed;
  clearTimeout(timer);
}

/** A free TCP port on the loopback interface. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One `rlvr train` run of CONFIG with `flags`; returns its step records. */
async function train(name: string, flags: string[]): Promise<StepMetrics[]> {
  const out = join(root, name);
  const run = rlvr(['train', '--config', configPath, '--out', out, ...flags], { RLVR_CPU_THREADS: String(THREADS) });
  let stderr = '';
  run.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await run.exited;
  if (code !== 0) throw new Error(`rlvr train (${name}) exited ${code}:\n${stderr.slice(-3000)}`);
  const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as StepMetrics)
    .filter((r) => r.kind === 'step');
  rmSync(out, { recursive: true, force: true });
  return records;
}

/** Completion tokens per second of sampling and scoring, per step after the first. */
function rolloutRates(steps: readonly StepMetrics[]): number[] {
  return steps
    .slice(1)
    .map((r) => (r.responseLengthMean * PROMPTS * GROUP) / (r.phaseSeconds.sample + r.phaseSeconds.verify));
}

/**
 * Wall seconds of each step from the third on: with maxStaleness 1 the first two steps' jobs are both
 * queued at the start, so the steady state (step t+2 queued when step t is done) begins there.
 */
function stepSeconds(steps: readonly StepMetrics[]): number[] {
  return steps.slice(2).map((r, i) => r.elapsedSeconds - steps[i + 1]!.elapsedSeconds);
}

/** The q-quantile (0 … 1) of a non-empty list, by the nearest rank. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Single jobs through RemoteRollouts, one after another: round trip and the worker's own seconds. */
async function queueOverhead(redis: string, queue: string): Promise<{ roundTrip: number[]; work: number[] }> {
  const config = parseTrainConfig(CONFIG);
  const modelDir = embeddedModelDir('countdown-search-base');
  const env = await openTaskEnvironment(config, modelDir, () => undefined);
  const prompts = env.train.slice(0, JOBS + 2).map(env.encode);
  const stop = env.stop;
  await closeTaskEnvironment(env);
  const session = 'bench';
  const server = await startWeightsServer({
    session,
    config,
    modelDir,
    dir: join(root, 'weights'),
    host: '127.0.0.1',
    port: 0,
    advertise: '127.0.0.1',
  });
  server.publish(0, (await readSafetensors(join(modelDir, 'model.safetensors'))).tensors);
  const events = new QueueEvents(queue, { connection: { url: redis } });
  const results = new Map<string, RolloutJobResult>();
  events.on('completed', ({ jobId, returnvalue }) => {
    results.set(jobId, (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as RolloutJobResult);
  });
  await events.waitUntilReady();
  const remote = await RemoteRollouts.open({ redis, queue, session, runDir: root, server, log: () => undefined });
  const options = { groupSize: GROUP, maxNewTokens: NEW_TOKENS, temperature: 1, topP: 1, topK: 0, stop, seed: 9 };
  const jobs = splitDraw(
    prompts.map((p) => p.ids),
    prompts.map((p) => p.reference),
    options,
    1,
  );
  try {
    // Untimed: both workers fetch the session (config, model files, weights) with their first job.
    await remote.run(jobs.slice(0, 2), 0);
    const roundTrip: number[] = [];
    const work: number[] = [];
    for (const job of jobs.slice(2)) {
      const started = performance.now();
      await remote.run([job], 0);
      roundTrip.push(performance.now() - started);
      const id = rolloutJobId(session, job);
      // The completed event can trail the trainer's read of the result by a few milliseconds.
      while (!results.has(id)) await new Promise((resolve) => setTimeout(resolve, 5));
      const result = results.get(id)!;
      work.push((result.sampleSeconds + result.scoreSeconds) * 1000);
    }
    return { roundTrip, work };
  } finally {
    await remote.close();
    await events.close();
    await server.close();
  }
}

const port = await freePort();
const redisUrl = `redis://127.0.0.1:${port}`;
try {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(redis);
  await new Promise<void>((resolve, reject) => {
    let text = '';
    redis.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('Ready to accept connections')) resolve();
    });
    redis.on('error', (error) => reject(new Error(`redis-server: ${error.message} (is it installed?)`)));
    redis.on('close', () => reject(new Error(`redis-server exited:\n${text}`)));
  });
  const worker = (queue: string, threads: number, n: number): Promise<void> => {
    const w = rlvr([
      'worker',
      '--redis',
      redisUrl,
      '--queue',
      queue,
      '--threads',
      String(threads),
      '--cache',
      join(root, `cache-${n}`),
    ]);
    return stderrMatch(w.child, w.exited, / on queue /, `rlvr worker ${n}`);
  };
  await Promise.all([worker('one', THREADS, 1), worker('two', HALF, 2), worker('two', HALF, 3)]);
  process.stdout.write(
    `rollout-workers bench: ${THREADS} threads; workers: 1 × ${THREADS} threads (queue one), 2 × ${HALF} (queue two); ${ROUNDS} rounds of ${STEPS} steps\n`,
  );

  const remote = (queue: string): string[] => [
    '--rollout.workers',
    redisUrl,
    '--rollout.queue',
    queue,
    '--rollout.host',
    '127.0.0.1',
    '--rollout.advertise',
    '127.0.0.1',
  ];
  const modes = {
    inprocess: [] as string[],
    one: remote('one'),
    two: remote('two'),
    async0: remote('two'),
    async1: [...remote('two'), '--rollout.max-staleness', '1'],
  };
  const rates: Record<'inprocess' | 'one' | 'two', number[]> = { inprocess: [], one: [], two: [] };
  const perStep: Record<'async0' | 'async1', number[]> = { async0: [], async1: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // The order turns every round, so no configuration always runs first (or after the same one).
    const order = (['inprocess', 'one', 'two'] as const).map((_, i, all) => all[(i + round) % all.length]!);
    for (const mode of order) {
      const r = median(rolloutRates(await train(`${mode}-${round}`, modes[mode])));
      rates[mode].push(r);
      process.stdout.write(`  round ${round + 1}, ${mode}: ${r.toFixed(0)} rollout tokens/s\n`);
    }
    for (const mode of round % 2 === 0 ? (['async0', 'async1'] as const) : (['async1', 'async0'] as const)) {
      const s = median(stepSeconds(await train(`${mode}-${round}`, modes[mode])));
      perStep[mode].push(s);
      process.stdout.write(`  round ${round + 1}, ${mode}: ${s.toFixed(2)} s per step\n`);
    }
  }
  entries.push(
    standalone(`rollout-tokens-per-s-inprocess-t${THREADS}`, median(rates.inprocess), 'tokens/s (higher is better)'),
  );
  entries.push(
    comparedRounds(
      `rollout-tokens-per-s-1worker-t${THREADS}`,
      rates.one,
      rates.inprocess,
      'tokens/s (higher is better)',
    ),
  );
  entries.push(
    comparedRounds(`rollout-tokens-per-s-2workers-t${HALF}`, rates.two, rates.inprocess, 'tokens/s (higher is better)'),
  );
  entries.push(
    comparedRounds('async-step-seconds-staleness1', perStep.async1, perStep.async0, 's per step (lower is better)'),
  );

  const { roundTrip, work } = await queueOverhead(redisUrl, 'two');
  const overhead = roundTrip.map((t, i) => t - work[i]!);
  process.stdout.write(
    `  single jobs: round trip p50 ${median(roundTrip).toFixed(1)} ms, worker's own ${median(work).toFixed(1)} ms\n`,
  );
  entries.push(standalone('queue-round-trip-p50-ms', median(roundTrip), 'ms per job (lower is better)'));
  entries.push(standalone('queue-round-trip-p90-ms', quantile(roundTrip, 0.9), 'ms per job (lower is better)'));
  entries.push(
    standalone('queue-job-work-p50-ms', median(work), 'ms per job: the worker’s sampleSeconds + scoreSeconds'),
  );
  entries.push(standalone('queue-overhead-per-job-p50-ms', median(overhead), 'ms per job (lower is better)'));
  entries.push(standalone('queue-overhead-per-job-p90-ms', quantile(overhead, 0.9), 'ms per job (lower is better)'));
} finally {
  // Workers first: a worker stopping while Redis is already gone waits for it.
  for (const child of [...children].reverse()) await stop(child);
  rmSync(root, { recursive: true, force: true });
}

writeResults('rollout-workers', entries);
