/**
 * Rollout workers end to end: a real Redis (`redis-server`, started here on a free loopback port), the
 * trainer and two `rlvr worker` processes as separate processes, and the faults the queue must survive.
 * Each run is compared with the same config trained in this process: K = 0 must give the same metrics
 * (every field but the wall-clock ones) whatever happened to workers, Redis or the trainer, which shows
 * by counting that no group was lost and none trained twice.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCli } from '../src/cli/run-cli.js';
import type { MetricsRecord, StepMetrics } from '../src/metrics/index.js';
import { captureIo } from '../src/testing/capture-io.js';
import { spawnRlvr, type RlvrProcess } from './rlvr-process.js';
import { metricsOf, timeless, tinyRun, trainingTinyConfig } from './tiny-run.js';

const haveRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!haveRedis && process.env.RLVR_REQUIRE_REDIS === '1') {
  throw new Error('rollout-workers.test.ts: RLVR_REQUIRE_REDIS=1 but redis-server is not on PATH');
}
const describeWithRedis = haveRedis ? describe : describe.skip;
if (!haveRedis) console.warn('rollout-workers.test.ts: redis-server not found; skipped (Debian: apt install redis-server)');

const STEPS = 4;
const PROMPTS = 3;
const GROUP = 4;

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server without persistence on `port` (a restart loses every key, the hardest case). */
function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
}

/**
 * Resolves when `check()` holds, polled; rejects if `proc` exits first. No clock bound: a process that
 * never gets there ends (a run has a fixed number of steps) or meets the test's own timeout.
 */
async function until(check: () => boolean, what: string, proc: RlvrProcess): Promise<void> {
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (!check()) {
    if (exited) throw new Error(`process ended before ${what}: ${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stepRecords = (runDir: string): StepMetrics[] => metricsOf(runDir).filter((r): r is StepMetrics => r.kind === 'step');

/** The steps a running trainer has written so far (its last line may be half written when read). */
function stepsSoFar(runDir: string): number {
  const file = join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('}') && line.includes('"kind":"step"')).length;
}

/** A metrics record without its wall-clock fields and the queue's state. */
function trainedFields(r: MetricsRecord): Record<string, unknown> {
  const fields = timeless(r);
  delete fields.rollout;
  return fields;
}

/** What `rlvr workers --json` prints for a queue. */
interface QueueListing {
  trainer: { runDir: string; pid: number } | null;
  workers: { pid: number }[];
}

/** The job ids a worker's log says it started. */
const jobsStarted = (w: RlvrProcess): string[] => [...w.stderr().matchAll(/job (\S+): /g)].map((m) => m[1]!);

describeWithRedis('rollout workers through Redis and BullMQ (separate processes)', () => {
  let tiny: ReturnType<typeof tinyRun>;
  let configFile: string;
  let baseline: ReturnType<typeof timeless>[];
  let port: number;
  let redis: ChildProcess;
  let url: string;
  const workers: RlvrProcess[] = [];

  const startWorker = async (name: string): Promise<RlvrProcess> => {
    const w = spawnRlvr(['worker', '--redis', url, '--cache', join(tiny.root, `cache-${name}`), '--threads', '1', '--lock-seconds', '2']);
    workers.push(w);
    await until(() => w.stderr().includes('on queue rlvr'), `worker ${name} to start`, w);
    return w;
  };

  /** The queue as `rlvr workers --redis URL --json` lists it. */
  const listQueue = async (): Promise<QueueListing> => {
    const io = captureIo();
    expect(await runCli(['workers', '--redis', url, '--json'], io)).toBe(0);
    return JSON.parse(io.out()) as QueueListing;
  };

  const train = (out: string, ...extra: string[]): RlvrProcess =>
    spawnRlvr(['train', '--config', configFile, '--out', out, '--rollout.workers', url, '--rollout.advertise', '127.0.0.1', '--rollout.host', '127.0.0.1', ...extra]);

  /** The run finished with exit 0 and trained exactly what the in-process run trained. */
  const expectSameAsInProcess = async (proc: RlvrProcess, runDir: string): Promise<void> => {
    const { code } = await proc.exited;
    if (code !== 0) throw new Error(`rlvr train exited ${code}: ${proc.stderr()}`);
    const steps = stepRecords(runDir);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(steps.map((s) => s.sampledResponses)).toEqual([1, 2, 3, 4].map((s) => s * PROMPTS * GROUP));
    expect(steps.every((s) => s.rollout?.staleness === 0)).toBe(true);
    // Worker count and queue depth depend on timing; everything trained must not.
    expect(metricsOf(runDir).map(trainedFields)).toEqual(baseline);
  };

  beforeAll(async () => {
    tiny = tinyRun();
    configFile = join(tiny.root, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify(
        trainingTinyConfig(tiny.modelDir, {
          maxSteps: STEPS,
          rollout: { promptsPerJob: 1 },
          checkpoint: { interval: 1, keep: null },
        }),
      ),
    );
    const local = join(tiny.root, 'in-process');
    const io = captureIo();
    expect(await runCli(['train', '--config', configFile, '--out', local], io)).toBe(0);
    baseline = metricsOf(local).map(timeless);
    expect(stepRecords(local).every((s) => s.rollout === undefined)).toBe(true);
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = startRedis(port);
  }, 120_000);

  afterEach(async () => {
    for (const w of workers.splice(0)) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
  });

  afterAll(async () => {
    redis?.kill('SIGKILL');
    tiny?.cleanup();
  });

  it('K = 0: a trainer and two workers train exactly the in-process run; rlvr workers lists them', async () => {
    const [w1, w2] = [await startWorker('a'), await startWorker('b')];
    // Workers stay up until this test ends, so this listing cannot race anything.
    const listed = await listQueue();
    expect(listed.workers.map((w) => w.pid).sort()).toEqual([w1!.child.pid, w2!.child.pid].sort());
    const runDir = join(tiny.root, 'two-workers');
    const trainer = train(runDir);
    await expectSameAsInProcess(trainer, runDir);
    // 4 steps × 3 jobs of one prompt: both workers took some.
    expect(jobsStarted(w1!).length).toBeGreaterThan(0);
    expect(jobsStarted(w2!).length).toBeGreaterThan(0);
    expect(jobsStarted(w1!).length + jobsStarted(w2!).length).toBeGreaterThanOrEqual(STEPS * PROMPTS);
    // The version files are gone with the trainer.
    expect(existsSync(join(runDir, 'rollout-weights'))).toBe(false);
  }, 240_000);

  it('K = 1: step t samples with the policy after step t − 2, each step logs its staleness, step 1 is the in-process step 1', async () => {
    await startWorker('g');
    await startWorker('h');
    const runDir = join(tiny.root, 'async');
    const trainer = train(runDir, '--rollout.max-staleness', '1', '--loss.tis-cap', '2');
    const { code } = await trainer.exited;
    if (code !== 0) throw new Error(`rlvr train exited ${code}: ${trainer.stderr()}`);
    const steps = stepRecords(runDir);
    expect(steps.map((s) => s.rollout?.staleness)).toEqual([0, 1, 1, 1]);
    expect(steps.map((s) => s.sampledResponses)).toEqual([1, 2, 3, 4].map((s) => s * PROMPTS * GROUP));
    // Step 1 samples with the start's weights either way: the same rollouts as in-process (the loss
    // differs by the IS weight of the engines' logprob gap, within rounding of 1).
    const inProcess = baseline.find((r) => r.kind === 'step' && r.step === 1) as unknown as StepMetrics;
    const pick = (m: StepMetrics) => [m.rewardMean, m.accuracy, m.rhoHistogram, m.responseLengthMean, m.truncatedFraction];
    expect(pick(steps[0]!)).toEqual(pick(inProcess));
    expect(steps[0]!.loss).toBeCloseTo(inProcess.loss, 5);
    expect(trainer.stderr()).toContain('sampling up to 1 versions ahead');
  }, 240_000);

  it('workers that cannot reach the weights server: each job fails its attempts, and the run stops naming why (exit 3)', async () => {
    await startWorker('i');
    const runDir = join(tiny.root, 'unreachable');
    // The server listens on 127.0.0.1 only, so the advertised 127.0.0.2 refuses connections.
    const trainer = spawnRlvr(['train', '--config', configFile, '--out', runDir, '--rollout.workers', url, '--rollout.host', '127.0.0.1', '--rollout.advertise', '127.0.0.2']);
    const { code } = await trainer.exited;
    expect(code).toBe(3);
    expect(trainer.stderr()).toMatch(
      /rollout job \S+ failed 5 times on workers: cannot reach the trainer's weights server at http:\/\/127\.0\.0\.2:\d+ \(.*ECONNREFUSED.*\); the trainer sets where it listens and what it advertises with rollout\.host, rollout\.port and rollout\.advertise/,
    );
  }, 240_000);

  it('a worker SIGKILLed during its first job: rlvr workers shows the trainer holding the queue, the job is taken by another after the lock lapses, the run is unchanged', async () => {
    const doomed = await startWorker('doomed');
    const runDir = join(tiny.root, 'killed-worker');
    const trainer = train(runDir);
    // Its first job includes fetching the session and loading the model: the kill lands inside it.
    await until(() => jobsStarted(doomed).length > 0, 'the first job to start', doomed);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    // With no live worker the run cannot finish, so the listing sees its trainer holding the queue.
    const held = await listQueue();
    expect(held.trainer?.runDir).toBe(runDir);
    expect(held.trainer?.pid).toBe(trainer.child.pid);
    const [lost] = jobsStarted(doomed);
    const rescuer = await startWorker('rescuer');
    await expectSameAsInProcess(trainer, runDir);
    expect(jobsStarted(rescuer)).toContain(lost);
  }, 240_000);

  it('Redis killed and restarted empty during a run: workers and trainer reconnect and the run finishes unchanged', async () => {
    await startWorker('c');
    await startWorker('d');
    const runDir = join(tiny.root, 'redis-restart');
    const trainer = train(runDir);
    await until(() => stepsSoFar(runDir) >= 1, 'step 1', trainer);
    redis.kill('SIGKILL');
    await new Promise((r) => redis.once('exit', r));
    expect(stepsSoFar(runDir)).toBeLessThan(STEPS);
    await new Promise((r) => setTimeout(r, 500));
    redis = startRedis(port);
    await expectSameAsInProcess(trainer, runDir);
    expect(trainer.stderr()).toMatch(/lost Redis at redis:\/\/127\.0\.0\.1:\d+; reconnecting[\s\S]*Redis at .* is back/);
  }, 240_000);

  it('the trainer SIGKILLed after a checkpoint: --resume drains its stale jobs and continues exactly', async () => {
    await startWorker('e');
    await startWorker('f');
    const runDir = join(tiny.root, 'killed-trainer');
    const first = train(runDir);
    await until(() => existsSync(join(runDir, 'checkpoints', 'step-2')), 'the step-2 checkpoint', first);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(stepsSoFar(runDir)).toBeLessThan(STEPS);
    const resumed = spawnRlvr(['train', '--resume', runDir]);
    await expectSameAsInProcess(resumed, runDir);
    expect(resumed.stderr()).toMatch(/resuming from .*step-\d/);
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { rollout: { workers: string } };
    expect(config.rollout.workers).toBe(url);
  }, 240_000);
});
