/**
 * `rlvr train`: a whole run from a validated config. Opens the model twice (the sampler's ONNX graph
 * and the kernels' DecoderModel, same weights), the task, the verifier pool, then runs RL steps with
 * metrics lines, held-out evaluations, atomic checkpoints and exact resume:
 *
 * - Every random choice is derived from `config.seed` and the step (prompt order: the cursor's seeded
 *   epochs; sampling: a seed per step), so a resumed run needs only the cursor state, the weights and
 *   the AdamW state from the checkpoint to continue exactly (bit-for-bit on the cpu backend).
 * - A non-finite loss or gradient stops the run with a message naming the step; the last checkpoint
 *   is left as it was (checkpoints also refuse non-finite tensors).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDecoderModel, type DecoderModel } from '@rlvr/kernels';
import type { GenerateOptions, Prompt } from '@rlvr/sampler';
import {
  CheckpointError,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  writeCheckpoint,
} from '../checkpoint/index.js';
import {
  adamWOptions,
  configuredWeighting,
  learningRateAt,
  policyLossConfig,
  writeRunConfig,
  type TrainConfig,
} from '../config/index.js';
import { DivergenceError } from '../errors.js';
import { resolveModelPath } from '../models/embedded.js';
import { MetricsWriter, metricsPath, readMetrics, rewindMetrics, type StepMetrics } from '../metrics/index.js';
import { PromptCursor, deriveSeed } from '../tasks/index.js';
import { evaluate, type EvalContext } from './evaluate.js';
import { exactSuccessApplies, exactSuccessProbe } from './exact-success.js';
import { lostPushWarner } from './flat-groups.js';
import { rlStep, type RlStepSettings, type StepPrompt, type StepRollout } from './rl-step.js';
import { closeTaskEnvironment, openTaskEnvironment, tokenizerFiles, type TaskEnvironment } from './task-environment.js';

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
  reference: DecoderModel | undefined;
}

/** Run (or resume) training as configured; see the module comment. */
export async function runTraining(options: RunTrainingOptions): Promise<RunTrainingResult> {
  const { config, runDir } = options;
  const log = options.log ?? (() => undefined);
  const modelDir = resolveModelPath(config.model.path);
  const resumeFrom = options.resume ? listCheckpoints(runDir).at(-1) : undefined;
  if (options.resume && !resumeFrom) {
    throw new CheckpointError(runDir, `nothing to resume (--resume): no checkpoint in ${join(runDir, 'checkpoints')}`);
  }
  const checkpoint = resumeFrom ? readCheckpoint(resumeFrom.dir) : undefined;

  const parts = await openRun(config, checkpoint?.dir ?? modelDir, modelDir, log);
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
      await parts.policy.setOptimizerState(checkpoint.optimizerState);
      // Lines written after the checkpoint belong to steps that will be run again.
      if (existsSync(metricsPath(runDir))) {
        await rewindMetrics(metricsPath(runDir), step);
        const last = (await readMetrics(metricsPath(runDir))).steps.at(-1);
        elapsedBefore = last?.elapsedSeconds ?? 0;
        sampledResponses = last?.sampledResponses ?? 0;
      }
      log(`resuming from ${checkpoint.dir} (step ${step})`);
    }
    const metrics = new MetricsWriter(runDir);
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
      metrics.append({ kind: 'eval', step: at, ...r, ...(exact ? { exactSuccess: exact } : {}) });
      const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
      log(
        `eval after step ${at}: pass@1 (greedy) ${r.pass1Greedy.toFixed(3)}, mean accuracy ${r.meanAccuracy.toFixed(3)} over ${r.prompts} prompts × ${r.samples}` +
          (exact ? `; exact ρ: train ${mean(exact.train).toFixed(3)}, held-out ${mean(exact.test).toFixed(3)}` : ''),
      );
    };
    if (heldOut.length > 0 && step === 0) await runEval(0);

    const loss = policyLossConfig(config);
    const warnLostPush = lostPushWarner(config.weighting.name, log);
    let lastCheckpoint = checkpoint?.dir ?? '';
    while (step < config.maxSteps) {
      step++;
      const stepStart = process.hrtime.bigint();
      const indices = cursor.next(config.sampling.promptsPerStep);
      const prompts = indices.map((i) => parts.encode(parts.train[i]!));
      const lr = learningRateAt(config.optim, step, config.maxSteps);
      const settings: RlStepSettings = {
        groupSize: config.sampling.groupSize,
        maxNewTokens: config.sampling.maxNewTokens,
        temperature: config.sampling.temperature,
        topP: config.sampling.topP,
        topK: config.sampling.topK,
        stop: parts.stop,
        seed: deriveSeed(config.seed, SAMPLING_STREAM + step),
        maxGroups: config.sampling.maxGroups,
        weighting: configuredWeighting(config.weighting),
        zeroVariance: config.weighting.zeroVariance,
        ...(config.weighting.binarize === null ? {} : { binarizeThreshold: config.weighting.binarize }),
        loss,
        microBatchSize: config.ppo.microBatchSize,
        ppoEpochs: config.ppo.epochs,
        miniBatches: config.ppo.miniBatches,
        oldLogprobs: config.ppo.oldLogprobs,
        optimizer: adamWOptions(config, lr),
        padId: parts.padId,
      };
      let r;
      try {
        r = await rlStep(
          {
            policy: parts.policy,
            sampler: {
              generate: async (p, o) =>
                (await parts.sampler.generate(p as Prompt[], o as GenerateOptions)) as StepRollout[],
              setWeights: (w) => parts.sampler.setWeights(w),
            },
            score: parts.score,
            ...(parts.reference ? { reference: parts.reference } : {}),
          },
          prompts,
          settings,
        );
      } catch (error) {
        if (DivergenceError.isInstance(error)) {
          throw new DivergenceError(
            `step ${step}: ${error.message}; stopped without writing a checkpoint (last: ${lastCheckpoint || 'none'})`,
            { cause: error },
          );
        }
        throw error;
      }
      if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
        throw new DivergenceError(
          `step ${step}: loss ${r.loss}, gradient norm ${r.gradNorm}; stopped without writing a checkpoint (last: ${lastCheckpoint || 'none'})`,
        );
      }
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
        loss: r.loss,
        kl: r.klMean,
        entropy: r.entropyMean,
        gradNorm: r.gradNorm,
        clipFraction: r.clipFraction,
        logprobGapMean: r.logprobGapMean,
        logprobGapMaxAbs: r.logprobGapMaxAbs,
        responseLengthMean: r.responseLengthMean,
        responseLengthMax: r.responseLengthMax,
        learningRate: lr,
      };
      metrics.append(record);
      warnLostPush(step, r.lostPushGroups);
      options.onStep?.(record, config.maxSteps);
      if (heldOut.length > 0 && step % config.eval.interval === 0) await runEval(step);
      if ((config.checkpoint.interval > 0 && step % config.checkpoint.interval === 0) || step === config.maxSteps) {
        lastCheckpoint = writeCheckpoint(
          runDir,
          step,
          {
            modelConfig: parts.policy.config,
            weights: await parts.policy.weights(),
            optimizerState: await parts.policy.optimizerState(),
            rng: { scheme: 'derived per step from config.seed', seed: config.seed },
            dataCursor: { ...cursor.state() },
            config: config as never,
          },
          { copyFiles: tokenizerFiles(modelDir) },
        );
        if (config.checkpoint.keep !== null) pruneCheckpoints(runDir, config.checkpoint.keep);
      }
    }
    return { runDir, steps: step, checkpoint: lastCheckpoint };
  } finally {
    await closeRun(parts);
  }
}

/** Open the task environment on `modelDir`, then the policy (weights from `weightsDir`) and the reference. */
async function openRun(
  config: TrainConfig,
  weightsDir: string,
  modelDir: string,
  log: (line: string) => void,
): Promise<RunParts> {
  const env = await openTaskEnvironment(config, modelDir, log);
  try {
    const backend = { backend: config.backend, log };
    const policy = await loadDecoderModel(weightsDir, backend);
    if (weightsDir !== modelDir) await env.sampler.setWeights(await policy.weights());
    const reference =
      config.kl.beta > 0
        ? await loadDecoderModel(config.kl.reference ?? modelDir, { ...backend, log: null })
        : undefined;
    return { ...env, policy, reference };
  } catch (error) {
    await closeTaskEnvironment(env);
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
