/**
 * `rlvr train`: a whole run from a validated config. Opens the model twice (the sampler's ONNX graph
 * and the kernels' DecoderModel, same weights), the task, the verifier pool, then runs RL steps with
 * metrics lines, held-out evaluations, atomic checkpoints and exact resume:
 *
 * - Every random choice is derived from `config.seed` and the step (prompt order: the cursor's seeded
 *   epochs; sampling: a seed per step), so a resumed run needs only the cursor state, the weights and
 *   the AdamW state from the checkpoint to continue exactly (bit-for-bit on the cpu backend).
 * - Divergence is caught before the optimizer step: a non-finite loss or gradient, or a breach of the
 *   guard's limits (divergence-guard.ts), stops the run (or, with `guard.action: skip`, drops the
 *   update) and no checkpoint is written after it; the message names the signal, the value, the limit,
 *   the step and the last good checkpoint, read back and verified before it is named.
 * - A stop request (`stop`, e.g. Ctrl-C) finishes the current step, writes a checkpoint even off the
 *   interval and throws an InterruptedError that names it and the command that continues the run.
 * - Storage: a checkpoint that cannot be written is reported and retried at the next interval
 *   (`checkpoint.onError: continue`) or stops the run (`stop`, and always for the final one); a metrics
 *   line that cannot be written stops it. Resuming passes over unreadable or non-finite checkpoints to
 *   the newest valid one, and says so.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedTensors } from '@rlvr/core';
import { loadDecoderModel, type DecoderModel } from '@rlvr/kernels';
import {
  CheckpointError,
  listCheckpoints,
  newestValidCheckpoint,
  pruneCheckpoints,
  writeCheckpoint,
  type LoadedCheckpoint,
} from '../checkpoint/index.js';
import { stopReason } from '../cli/graceful-stop.js';
import {
  adamWOptions,
  configuredWeighting,
  learningRateAt,
  policyLossConfig,
  writeRunConfig,
  type TrainConfig,
} from '../config/index.js';
import { DivergenceError, InterruptedError, StorageError } from '../errors.js';
import { resolveModelPath } from '../models/embedded.js';
import {
  MetricsWriter,
  metricsPath,
  readMetrics,
  rewindMetrics,
  type EvalMetrics,
  type StepMetrics,
} from '../metrics/index.js';
import { PromptCursor, deriveSeed } from '../tasks/index.js';
import { DivergenceGuard } from './divergence-guard.js';
import {
  adapterRecord,
  baseModelReference,
  describeLora,
  loraModelOptions,
  resumedAdapters,
} from '../lora/lora-run.js';
import { samplerLora } from '../lora/sampler-lora.js';
import { checkpointContent, restoreOptimizerState } from './checkpoint-content.js';
import { evaluate, type EvalContext } from './evaluate.js';
import { memoryCopies, memoryLine } from './memory-accounting.js';
import { exactSuccessApplies, exactSuccessProbe } from './exact-success.js';
import { lostPushWarner } from './flat-groups.js';
import { noSignalWarner } from './no-signal.js';
import {
  policyWeights,
  rlStep,
  type RlStepSettings,
  type StepPrompt,
  type StepRollout,
  type StepSamplingOptions,
} from './rl-step.js';
import { RunRollouts } from '../rollout/run-rollouts.js';
import { closeTaskEnvironment, openTaskEnvironment, type TaskEnvironment } from './task-environment.js';
import { tokenizerFilesIn } from '../checkpoint/tokenizer-files.js';
import { openRunLogs, type ScoredRollout } from '../logging/run-logs.js';

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  config: TrainConfig;
  /** Where metrics.jsonl, config.json and checkpoints/ go. */
  runDir: string;
  /** Continue from the newest checkpoint in runDir (error when there is none). */
  resume?: boolean;
  /** Progress and status lines (default: nothing). */
  log?: (line: string) => void;
  /** Called after every step with its metrics (progress bars). */
  onStep?: (metrics: StepMetrics, maxSteps: number) => void;
  /** Called after every evaluation with its metrics line (`rlvr train --json`). */
  onEval?: (metrics: EvalMetrics) => void;
  /**
   * Aborted to stop (its reason `SIGINT` or `SIGTERM`, as cli/graceful-stop.ts sets it): the current
   * step finishes, a checkpoint is written and an InterruptedError says how to continue.
   */
  stop?: AbortSignal;
  /** The command that continues this run, for messages (default `rlvr train --resume RUN_DIR`). */
  resumeCommand?: string;
}

/** What a finished run reports. */
export interface RunTrainingResult {
  runDir: string;
  /** Last step completed. */
  steps: number;
  /** Path of the newest checkpoint. */
  checkpoint: string;
}

// Seed streams (see deriveSeed): one per purpose, so sampling and evaluation never share draws.
const SAMPLING_STREAM = 0x5a11;
const EVAL_STREAM = 0xe7a1;

/** The parts of a run that live for its whole duration. */
interface RunParts extends TaskEnvironment {
  policy: DecoderModel;
  reference: Pick<DecoderModel, 'tokenLogprobs' | 'dispose'> | undefined;
}

/** Run (or resume) training as configured; see the module comment. */
export async function runTraining(options: RunTrainingOptions): Promise<RunTrainingResult> {
  const { config, runDir } = options;
  const log = options.log ?? (() => undefined);
  const modelDir = resolveModelPath(config.model.path);
  const resumeCommand = options.resumeCommand ?? `rlvr train --resume ${shellQuote(runDir)}`;
  const guard = new DivergenceGuard(config.guard);
  const checkpoint = options.resume ? resumePoint(config, runDir, guard, log) : undefined;

  const parts = await openRun(config, checkpoint?.dir ?? modelDir, modelDir, log, checkpoint?.adapters);
  let rollouts: RunRollouts | undefined;
  try {
    writeRunConfig(runDir, config);
    const cursor = new PromptCursor(
      parts.train.length,
      config.seed,
      checkpoint ? (checkpoint.dataCursor as { epoch: number; position: number }) : undefined,
    );
    let step = checkpoint?.step ?? 0;
    let elapsedBefore = 0;
    let sampledResponses = 0;
    if (checkpoint) {
      await restoreOptimizerState(parts.policy, checkpoint.dir);
      // Lines written after the checkpoint belong to steps that will be run again.
      if (existsSync(metricsPath(runDir))) {
        const before = await readMetrics(metricsPath(runDir));
        if (before.tornLine !== undefined) {
          log(`${metricsPath(runDir)}:${before.tornLine}: a partial last line (a crash while writing it); dropped`);
        }
        await rewindMetrics(metricsPath(runDir), step);
        const kept = (await readMetrics(metricsPath(runDir))).steps;
        elapsedBefore = kept.at(-1)?.elapsedSeconds ?? 0;
        sampledResponses = kept.at(-1)?.sampledResponses ?? 0;
        // The guard's running medians continue from the steps that were applied.
        for (const m of kept) if (m.guardSkipped === undefined) guard.record(m);
      }
      log(`resuming from ${checkpoint.dir} (step ${step})`);
    }
    rollouts = await RunRollouts.open(
      config,
      {
        generate: async (p, o) => await parts.sampler.generate(p, o),
        setWeights: (w, a) => parts.sampler.setWeights(w, a),
        runsAdapters: parts.sampler.model.lora !== null,
      },
      {
        runDir,
        modelDir,
        startStep: step,
        weights: () => policyWeights(parts.policy),
      },
      log,
    );
    const source = rollouts;
    const metrics = new MetricsWriter(runDir);
    const logs = await openRunLogs(
      config.logging,
      runDir,
      (ids) => parts.sampler.tokenizer.decode(ids, false),
      checkpoint?.step,
    );
    let lastCheckpoint = checkpoint?.dir ?? '';
    /** Where the prompt cursor stood after the last completed step's prompts (read before any is drawn ahead). */
    let cursorAtCompleted = { ...cursor.state() };
    let lastCheckpointStep = checkpoint?.step ?? -1;
    /** Why the run stopped, with the checkpoint it can continue from. */
    const stoppedAt = (): string =>
      lastCheckpoint === ''
        ? 'no checkpoint was written; the run starts again from step 0'
        : `the last checkpoint is ${lastCheckpoint} (step ${lastCheckpointStep}); continue with: ${resumeCommand}`;
    /** Append a metrics record; a storage failure stops the run, saying where it can continue from. */
    const append = (record: StepMetrics | EvalMetrics, rollouts?: readonly ScoredRollout[]): void => {
      try {
        metrics.append(record);
        logs.record(record, rollouts);
      } catch (error) {
        if (!StorageError.isInstance(error)) throw error;
        throw withConsequence(error, `the run stopped; ${stoppedAt()}`);
      }
    };
    const started = process.hrtime.bigint();
    const elapsed = (): number => elapsedBefore + Number(process.hrtime.bigint() - started) / 1e9;
    const heldOut = config.eval.interval > 0 ? heldOutPrompts(config, parts) : [];
    const evalCtx: EvalContext = {
      generate: async (prompts, o) => (await parts.sampler.generate(prompts, o)) as StepRollout[],
      score: parts.score,
    };
    const exactSuccess = exactSuccessApplies(config)
      ? exactSuccessProbe(
          {
            train: parts.train,
            test: parts.task.test,
            encode: parts.encode,
            decode: (id) => parts.sampler.tokenizer.decode([id]),
            vocabSize: parts.policy.config.vocabSize,
            padId: parts.padId,
          },
          parts.policy,
          config.sampling.temperature,
        )
      : undefined;
    const runEval = async (at: number): Promise<void> => {
      const r = await evaluate(evalCtx, heldOut, {
        samples: config.eval.samples,
        temperature: config.eval.temperature,
        passAtK: config.eval.passAtK,
        maxNewTokens: config.sampling.maxNewTokens,
        stop: parts.stop,
        seed: deriveSeed(config.seed, EVAL_STREAM + at),
      });
      const exact = exactSuccess ? await exactSuccess() : undefined;
      const record: EvalMetrics = { kind: 'eval', step: at, ...r, ...(exact ? { exactSuccess: exact } : {}) };
      append(record);
      options.onEval?.(record);
      const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
      log(
        `eval after step ${at}: pass@1 (greedy) ${r.pass1Greedy.toFixed(3)}, mean accuracy ${r.meanAccuracy.toFixed(3)} over ${r.prompts} prompts × ${r.samples}` +
          (exact ? `; exact ρ: train ${mean(exact.train).toFixed(3)}, held-out ${mean(exact.test).toFixed(3)}` : ''),
      );
    };
    // A run resumed from a step-0 checkpoint (stopped during the first evaluation) has that evaluation.
    if (heldOut.length > 0 && step === 0 && !checkpoint) await runEval(0);

    const loss = policyLossConfig(config);
    const warnLostPush = lostPushWarner(config.weighting.name, log);
    const warnNoSignal = noSignalWarner(
      {
        weighting: config.weighting.name,
        binarize: config.weighting.binarize,
        filterGroups: config.sampling.filterGroups,
      },
      log,
    );
    /** A divergence at `step`, naming the last checkpoint that reads back finite and within the guard's limits. */
    const diverged = (
      what: string,
      cause?: unknown,
      stopped = 'stopped before the optimizer step applied it',
    ): DivergenceError => {
      const passed: string[] = [];
      const good = newestValidCheckpoint(
        runDir,
        (ref, reason) => passed.push(`step ${ref.step} passed over: ${reason}`),
        (c) => guard.checkWeights(c.step, c.weights)?.message ?? null,
      );
      const last = good
        ? `last good checkpoint: ${good.dir} (step ${good.step}, weights verified finite${config.guard.maxWeightAbs === null ? '' : ` and within guard.maxWeightAbs ${config.guard.maxWeightAbs}`})`
        : 'no checkpoint to go back to (a new run starts from the model)';
      return new DivergenceError(
        `step ${step}: ${what}; ${stopped}, without writing a checkpoint; ${last}${passed.length > 0 ? ` (${passed.join('; ')})` : ''}`,
        cause === undefined ? undefined : { cause },
      );
    };
    /** Write the checkpoint of `step` (weights checked first); a storage failure stops the run when `final` or configured so. */
    const saveCheckpoint = async (final: boolean): Promise<void> => {
      // A LoRA run checkpoints its adapters (PEFT's layout), not the merged weights.
      const adapter = adapterRecord(config, modelDir);
      const content = await checkpointContent(parts.policy, adapter !== undefined);
      const breach = guard.checkWeights(step, content.checked);
      if (breach) throw diverged(breach.message, undefined, 'stopped');
      try {
        lastCheckpoint = writeCheckpoint(
          runDir,
          step,
          {
            modelConfig: parts.policy.config,
            weights: content.weights,
            ...(adapter ? { adapter } : {}),
            optimizerState: content.optimizerState,
            rng: { scheme: 'derived per step from config.seed', seed: config.seed },
            // Drawing ahead moves the cursor past the steps queued: the checkpoint keeps where its own step left it.
            dataCursor: { ...(source.drawsAhead ? cursorAtCompleted : cursor.state()) },
            config: config as never,
          },
          { copyFiles: tokenizerFilesIn(modelDir) },
        );
        lastCheckpointStep = step;
      } catch (error) {
        if (!StorageError.isInstance(error)) throw error;
        if (final || config.checkpoint.onError === 'stop') {
          throw withConsequence(error, `the run stopped after step ${step}; ${stoppedAt()}`);
        }
        const next = Math.min(config.maxSteps, step + config.checkpoint.interval);
        log(
          `warning: ${error.message}; training goes on and tries again at step ${next} (checkpoint.onError: continue)`,
        );
        return;
      }
      if (config.checkpoint.keep !== null) {
        try {
          pruneCheckpoints(runDir, config.checkpoint.keep);
        } catch (error) {
          if (!StorageError.isInstance(error)) throw error;
          log(`warning: ${error.message}`);
        }
      }
    };
    const nextPrompts = (): StepPrompt[] =>
      cursor.next(config.sampling.promptsPerStep).map((i) => parts.encode(parts.train[i]!));
    const samplingOptions = (at: number): StepSamplingOptions => ({
      groupSize: config.sampling.groupSize,
      maxNewTokens: config.sampling.maxNewTokens,
      temperature: config.sampling.temperature,
      topP: config.sampling.topP,
      topK: config.sampling.topK,
      stop: parts.stop,
      seed: deriveSeed(config.seed, SAMPLING_STREAM + at),
    });
    /** Asynchronous rollouts: queue every step the policy of `after` may sample (up to maxStaleness ahead). */
    const queueAhead = (after: number): void =>
      source.queueAhead(Math.min(config.maxSteps, after + 1 + config.rollout.maxStaleness), samplingOptions, () => {
        const drawn = nextPrompts();
        return { prompts: drawn, cursorAfter: { ...cursor.state() } };
      });
    queueAhead(step);
    while (step < config.maxSteps && stopReason(options.stop) === undefined) {
      step++;
      const stepStart = process.hrtime.bigint();
      const ahead = source.drawnFor(step);
      const prompts = ahead?.prompts ?? nextPrompts();
      const lr = learningRateAt(config.optim, step, config.maxSteps);
      const settings: RlStepSettings = {
        ...samplingOptions(step),
        maxGroups: config.sampling.maxGroups,
        ...(config.sampling.filterGroups === 'off'
          ? {}
          : {
              filterGroups: {
                metric: config.sampling.filterGroups,
                maxRounds: config.sampling.maxNumGenBatches,
              },
            }),
        maskTruncated: config.sampling.maskTruncated,
        weighting: configuredWeighting(config.weighting),
        zeroVariance: config.weighting.zeroVariance,
        ...(config.weighting.binarize === null ? {} : { binarizeThreshold: config.weighting.binarize }),
        loss,
        microBatchSize: config.ppo.microBatchSize,
        ppoEpochs: config.ppo.epochs,
        miniBatches: config.ppo.miniBatches,
        oldLogprobs: config.ppo.oldLogprobs,
        optimizer: adamWOptions(config, lr),
        microBatchTokenMean: config.loss.aggregation === 'micro-batch-token-mean',
        ...(config.kl.inReward
          ? { klReward: { coef: config.kl.rewardCoef, estimator: config.kl.rewardEstimator } }
          : {}),
        padId: parts.padId,
        beforeUpdate: (values) => {
          const breach = guard.check(step, values);
          if (breach === null) return true;
          if (config.guard.action === 'stop') throw new DivergenceError(breach.message);
          log(`step ${step}: ${breach.message}; update dropped (guard.action: skip)`);
          return false;
        },
        checkWeights: (weights) => {
          const breach = guard.checkWeights(step, weights);
          if (breach !== null) throw new WeightsBreach(breach.message);
        },
      };
      let r;
      try {
        r = await rlStep(
          {
            policy: parts.policy,
            sampler: source.samplerFor(step),
            score: parts.score,
            nextPrompts,
            ...(parts.reference ? { reference: parts.reference } : {}),
          },
          prompts,
          settings,
        );
      } catch (error) {
        if (error instanceof WeightsBreach) throw diverged(error.message, error, 'stopped after the update');
        if (DivergenceError.isInstance(error)) throw diverged(error.message, error);
        throw error;
      }
      if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
        throw diverged(`loss ${r.loss}, gradient norm ${r.gradNorm}`, undefined, 'stopped');
      }
      if (r.skippedUpdates === 0) guard.record(r);
      const rolloutMetrics = await source.stepDone(step);
      if (ahead) cursorAtCompleted = ahead.cursorAfter as typeof cursorAtCompleted;
      // Workers sample the next steps while this one is evaluated and checkpointed.
      queueAhead(step);
      sampledResponses += r.responses;
      const wall = Number(process.hrtime.bigint() - stepStart) / 1e9;
      const record: StepMetrics = {
        kind: 'step',
        step,
        elapsedSeconds: elapsed(),
        phaseSeconds: r.times,
        promptsPerSecond: r.prompts / wall,
        tokensPerSecond: r.completionTokens / wall,
        sampledResponses,
        rewardMean: r.rewardMean,
        accuracy: r.accuracy,
        rhoHistogram: r.successHistogram,
        noSignalFraction: r.noSignalFraction,
        flatNonBinaryGroups: r.flatNonBinaryGroups,
        extraGroups: r.extraGroups,
        ...(r.filter ? { dynamicSampling: r.filter } : {}),
        truncatedFraction: r.truncatedFraction,
        ...(r.rewardComponents ? { rewards: r.rewardComponents } : {}),
        ...(rolloutMetrics ? { rollout: rolloutMetrics } : {}),
        loss: r.loss,
        kl: r.klMean,
        entropy: r.entropyMean,
        gradNorm: r.gradNorm,
        clipFraction: r.clipFraction,
        clipLowFraction: r.clipLowFraction,
        clipHighFraction: r.clipHighFraction,
        clipRegionFraction: r.clipRegionFraction,
        gradNormClipped: r.gradNormClipped,
        ...(config.kl.inReward ? { klRewardPenalty: r.klRewardPenalty } : {}),
        logprobGapMean: r.logprobGapMean,
        logprobGapMaxAbs: r.logprobGapMaxAbs,
        responseLengthMean: r.responseLengthMean,
        responseLengthMax: r.responseLengthMax,
        learningRate: lr,
        ...(r.skippedUpdates > 0 ? { guardSkipped: r.skippedUpdates } : {}),
      };
      append(record, r.rollouts);
      warnLostPush(step, r.lostPushGroups);
      warnNoSignal(step, r.signalGroups, r.prompts);
      if (r.filter) {
        log(
          `step ${step}: dynamic sampling: ${r.filter.rounds} batch${r.filter.rounds === 1 ? '' : 'es'}, ` +
            `${r.filter.groupsKept} groups kept, ${r.filter.groupsDropped} dropped, ${r.filter.groupsSurplus} surplus`,
        );
      }
      options.onStep?.(record, config.maxSteps);
      // The last step is always evaluated (as verl does): a run's final held-out score is its model's.
      if (heldOut.length > 0 && (step % config.eval.interval === 0 || step === config.maxSteps)) await runEval(step);
      const stopping = stopReason(options.stop) !== undefined;
      if (
        (config.checkpoint.interval > 0 && step % config.checkpoint.interval === 0) ||
        step === config.maxSteps ||
        stopping
      ) {
        await saveCheckpoint(step === config.maxSteps || stopping);
      }
    }
    const signal = stopReason(options.stop);
    if (signal !== undefined && step < config.maxSteps) {
      // Stopped before the first step (during the first evaluation): a step-0 checkpoint makes it resumable too.
      if (lastCheckpointStep !== step) await saveCheckpoint(true);
      throw new InterruptedError(
        signal,
        `stopped by ${signal} after step ${step} of ${config.maxSteps}; checkpoint ${lastCheckpoint}; continue with: ${resumeCommand}`,
      );
    }
    return { runDir, steps: step, checkpoint: lastCheckpoint };
  } finally {
    await rollouts?.close();
    await closeRun(parts);
  }
}

/** Updated weights beyond the guard's limit (the update is applied; no checkpoint may hold it). */
class WeightsBreach extends DivergenceError {}

/** Where a resumed run starts: a checkpoint's step, directory and data cursor, and a LoRA run's adapters. */
interface ResumePoint {
  step: number;
  dir: string;
  dataCursor: LoadedCheckpoint['dataCursor'];
  adapters: NamedTensors | undefined;
}

/**
 * The checkpoint a resumed run starts from: the newest that reads back finite and within the guard's
 * weight limit, saying which newer ones were passed over and why. Only what the run needs is kept: the
 * policy reads its weights from the directory and the AdamW moments are read into it tensor by tensor.
 */
function resumePoint(
  config: TrainConfig,
  runDir: string,
  guard: DivergenceGuard,
  log: (line: string) => void,
): ResumePoint {
  const found = newestValidCheckpoint(
    runDir,
    (ref, reason) => log(`warning: checkpoint ${ref.dir} is unusable (${reason}); trying an older one`),
    (c) => guard.checkWeights(c.step, c.weights)?.message ?? null,
  );
  if (found) {
    return { step: found.step, dir: found.dir, dataCursor: found.dataCursor, adapters: resumedAdapters(config, found) };
  }
  const any = listCheckpoints(runDir).length > 0;
  throw new CheckpointError(
    runDir,
    any
      ? `nothing to resume (--resume): no checkpoint in ${join(runDir, 'checkpoints')} reads back whole and finite`
      : `nothing to resume (--resume): no checkpoint in ${join(runDir, 'checkpoints')}`,
  );
}

/** `error` with `more` added to what it says was or was not saved. */
function withConsequence(error: StorageError, more: string): StorageError {
  // The message is `cannot OP PATH: CAUSE; CONSEQUENCE`: keep the consequence, add to it.
  const consequence = error.message.split('; ').slice(1).join('; ');
  return new StorageError(
    error.path,
    error.operation,
    error.cause,
    consequence === '' ? more : `${consequence}; ${more}`,
  );
}

/** `path` as one shell word (quoted only when it needs to be). */
function shellQuote(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/**
 * Open the policy (weights from `weightsDir`; with LoRA the base from `modelDir` and `adapters`, or
 * fresh ones), then the task environment on `modelDir`, whose sampler takes the policy's own arrays
 * where it can (no second copy of the weights, not even while loading), and the reference.
 */
async function openRun(
  config: TrainConfig,
  weightsDir: string,
  modelDir: string,
  log: (line: string) => void,
  adapters?: NamedTensors,
): Promise<RunParts> {
  const backend = { backend: config.backend, log };
  const lora = loraModelOptions(config, adapters);
  const policy = lora
    ? await loadDecoderModel(modelDir, { ...backend, lora })
    : await loadDecoderModel(weightsDir, backend);
  let env: TaskEnvironment;
  // Under LoRA the sampler runs the adapters in its graph on the policy's frozen base: no merged copy.
  const live = lora ? policy.liveAdapters() : null;
  const shared = policy.liveTensors()?.weights ?? live?.base;
  try {
    if (lora) log(await describeLora(policy));
    env = await openTaskEnvironment(config, modelDir, log, true, shared, live ? samplerLora(live) : undefined);
  } catch (error) {
    await policy.dispose();
    throw error;
  }
  try {
    // A sampler with weights as graph inputs was built on the policy's own arrays: it holds no copy.
    const samplerShared = shared !== undefined && env.sampler.model.weightMode === 'inputs';
    if (!samplerShared && weightsDir !== modelDir) await env.sampler.setWeights(await policy.weights());
    // Under LoRA the initial policy is the frozen base itself: its logprobs with the adapters off, no second copy.
    const reference =
      config.kl.beta <= 0 && !config.kl.inReward
        ? undefined
        : lora && config.kl.reference === null
          ? baseModelReference(policy)
          : await loadDecoderModel(config.kl.reference ?? modelDir, { ...backend, log: null });
    const ownReference = reference !== undefined && !(lora && config.kl.reference === null);
    log(memoryLine(memoryCopies(policy.config, policy.lora, ownReference, samplerShared)));
    return { ...env, policy, reference };
  } catch (error) {
    await closeTaskEnvironment(env);
    await policy.dispose();
    throw error;
  }
}

/** The held-out prompts of an evaluation: the first eval.prompts of the test split (all when 0). */
export function heldOutPrompts(config: TrainConfig, parts: TaskEnvironment): StepPrompt[] {
  const test = config.eval.prompts > 0 ? parts.task.test.slice(0, config.eval.prompts) : parts.task.test;
  return test.map(parts.encode);
}

/** Release the pool, the models and their sessions. */
async function closeRun(parts: RunParts): Promise<void> {
  await closeTaskEnvironment(parts);
  await parts.policy.dispose();
  await parts.reference?.dispose();
}
