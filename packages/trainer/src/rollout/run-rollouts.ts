/**
 * Where a training run's rollouts come from: its own sampler, or rollout workers through the queue
 * (`rollout.workers`). Either way a draw is split into jobs the same way (jobs.ts), so the two give the
 * same rollouts. With workers, each policy version the run makes is published once on the weights
 * server (version = the step that made it; the start's weights are the resumed step's, or 0), and a
 * step's jobs are pinned to a version: the previous step's when synchronous; with
 * `rollout.maxStaleness` K, step t's jobs are queued as soon as the policy of step t−1−K exists, with
 * it, so workers sample ahead while the trainer trains.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { NamedTensors } from '@rlvr/core';
import type { TrainConfig } from '../config/index.js';
import type { StepPrompt, StepSampler, StepSamplingOptions } from '../loop/rl-step.js';
import { inProcessJobs, jobSampler, splitDraw, type JobRollout } from './jobs.js';
import { RemoteRollouts } from './remote-rollouts.js';
import { startWeightsServer, type WeightsServer } from './weights-server.js';

/** The run's own sampler, as the rollout source uses it. */
export interface LocalSampler {
  generate(prompts: number[][], options: StepSamplingOptions): Promise<readonly JobRollout[]>;
  setWeights(weights: NamedTensors, adapters?: NamedTensors): Promise<void>;
  readonly runsAdapters: boolean;
}

/** What a step's metrics line says about rollout workers. */
export interface RolloutStepMetrics {
  staleness: number;
  workers: number;
  queueWaiting: number;
  queueActive: number;
  requeued: number;
}

/** A step's prompts drawn ahead, and where the prompt cursor stood after drawing them. */
interface DrawnAhead {
  prompts: StepPrompt[];
  cursorAfter: unknown;
}

/** A step drawn ahead: its prompts, and the step whose policy its jobs were pinned to. */
interface QueuedStep extends DrawnAhead {
  pinnedAfter: number;
}

/** The rollout source of a run; see the module comment. */
export class RunRollouts {
  /** The newest published weights version, and the last step completed (whose policy it is). */
  private version: number;
  private completed: number;
  private step: number;
  private queuedThrough: number;
  private readonly ahead = new Map<number, QueuedStep>();

  private constructor(
    private readonly config: TrainConfig,
    private readonly local: LocalSampler,
    private readonly remote: { server: WeightsServer; queue: RemoteRollouts } | null,
    startStep: number,
  ) {
    this.version = startStep;
    this.completed = startStep;
    this.step = startStep;
    this.queuedThrough = startStep;
  }

  /**
   * Open the source: with `rollout.workers`, start the weights server (publishing `weights` as the
   * version of `startStep`) and connect to the queue.
   */
  static async open(
    config: TrainConfig,
    local: LocalSampler,
    run: { runDir: string; modelDir: string; startStep: number; weights: () => Promise<NamedTensors> },
    log: (line: string) => void,
  ): Promise<RunRollouts> {
    const { workers } = config.rollout;
    if (workers === null) return new RunRollouts(config, local, null, run.startStep);
    const session = randomBytes(6).toString('hex');
    const server = await startWeightsServer({
      session,
      config,
      modelDir: run.modelDir,
      dir: join(run.runDir, 'rollout-weights'),
      host: config.rollout.host,
      port: config.rollout.port,
      advertise: config.rollout.advertise,
    });
    let queue: RemoteRollouts;
    try {
      server.publish(run.startStep, await run.weights());
      queue = await RemoteRollouts.open({
        redis: workers,
        queue: config.rollout.queue,
        session,
        runDir: run.runDir,
        server,
        log,
      });
    } catch (error) {
      await server.close();
      throw error;
    }
    log(
      `rollouts: workers on queue ${config.rollout.queue} at ${workers}; weights served at ${server.url} (session ${session})` +
        (config.rollout.maxStaleness > 0 ? `; sampling up to ${config.rollout.maxStaleness} versions ahead` : ''),
    );
    return new RunRollouts(config, local, { server, queue }, run.startStep);
  }

  /** Whether step prompts are drawn ahead of their step (asynchronous rollouts). */
  get drawsAhead(): boolean {
    return this.remote !== null && this.config.rollout.maxStaleness > 0;
  }

  /**
   * With asynchronous rollouts, draw and queue every step up to `through` not yet queued (pinned to
   * the newest version); `draw` takes a step's prompts from the cursor and says where it then stands.
   */
  queueAhead(through: number, options: (step: number) => StepSamplingOptions, draw: () => DrawnAhead): void {
    if (!this.drawsAhead) return;
    for (let t = this.queuedThrough + 1; t <= through; t++) {
      const drawn = draw();
      this.ahead.set(t, { ...drawn, pinnedAfter: this.completed });
      const jobs = splitDraw(
        drawn.prompts.map((p) => p.ids),
        drawn.prompts.map((p) => p.reference),
        options(t),
        this.config.rollout.promptsPerJob,
      );
      this.remote!.queue.prefetch(jobs, this.version);
      this.queuedThrough = t;
    }
  }

  /** The prompts drawn ahead for `step` and the cursor state after them (undefined: draw them now). */
  drawnFor(step: number): DrawnAhead | undefined {
    return this.ahead.get(step);
  }

  /** The sampler the RL step of `step` uses. */
  samplerFor(step: number): StepSampler {
    this.step = step;
    const promptsPerJob = this.config.rollout.promptsPerJob;
    const remote = this.remote;
    return {
      generate: jobSampler(
        promptsPerJob,
        remote ? (jobs) => remote.queue.run(jobs, this.version) : inProcessJobs((p, o) => this.local.generate(p, o)),
      ),
      setWeights: async (weights, adapters) => {
        await this.local.setWeights(weights, adapters);
        if (!remote) return;
        remote.server.publish(this.step, weights);
        this.version = this.step;
        // Queued steps are pinned no further back than maxStaleness versions.
        remote.server.prune(this.step - this.config.rollout.maxStaleness);
      },
      runsAdapters: this.local.runsAdapters,
    };
  }

  /** After step `step`: say how stale its groups were and how the queue stands (undefined without workers). */
  async stepDone(step: number): Promise<RolloutStepMetrics | undefined> {
    const pinnedAfter = this.ahead.get(step)?.pinnedAfter ?? this.completed;
    this.ahead.delete(step);
    this.completed = step;
    if (!this.remote) return undefined;
    const status = await this.remote.queue.status();
    return {
      staleness: step - 1 - pinnedAfter,
      workers: status.workers,
      queueWaiting: status.waiting,
      queueActive: status.active,
      requeued: this.remote.queue.requeued,
    };
  }

  /** Stop the queue connection and the weights server (their version files are removed). */
  async close(): Promise<void> {
    if (!this.remote) return;
    await this.remote.queue.close();
    await this.remote.server.close();
  }
}
