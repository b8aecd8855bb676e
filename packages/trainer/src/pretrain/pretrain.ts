/**
 * `rlvr pretrain --task countdown`: a small base model for the from-scratch regime, trained by
 * next-token cross-entropy on the completions of synthetic Countdown text (countdown-corpus.ts):
 * compact prompts followed by well-formed answers that use the given numbers but are mostly not
 * solutions. The tokenizer (byte-level BPE, one token per number) is learned from the same text. Writes
 * a complete model directory: config.json, model.safetensors (with the command and seed in its
 * metadata), tokenizer files and PROVENANCE.md. The training loop and the directory writing are shared
 * with the SFT of sft.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initWeights, parameterCount, parseDecoderConfig, writeModelDirectory, type DecoderConfig } from '@rlvr/core';
import {
  cpuOps,
  createDecoderModel,
  padShifted,
  shiftedTargets,
  type BackendChoice,
  type DecoderModel,
} from '@rlvr/kernels';
import { buildBpeTokenizer, SamplerTokenizer, writeTokenizerFiles, type TokenizerFiles } from '@rlvr/sampler';
import { buildMicroBatches } from '../loop/policy-batches.js';
import { deriveSeed } from '../tasks/index.js';
import { BASE_TASK_DIFFICULTY } from '../demo/countdown-preset.js';
import { stopReason } from '../cli/graceful-stop.js';
import { InterruptedError, TrainerError, withStorage } from '../errors.js';
import { countdownPretrainExamples, pretrainingProblems, type PretrainExample } from './countdown-corpus.js';
import { countdownSearchExamples } from './countdown-search-corpus.js';

/** What a cross-entropy training run (pretraining or SFT) is told: where to write, how long, how fast. */
export interface CrossEntropyRunOptions {
  /** Model directory to write. */
  outDir: string;
  /** Optimizer steps. */
  steps: number;
  /** Sequences per step. */
  batch: number;
  /** AdamW learning rate (constant). */
  lr: number;
  seed: number;
  backend: BackendChoice;
  /** The command line to record in PROVENANCE.md and the weights' metadata. */
  command?: string;
  /** Called after every step with its mean cross-entropy over completion tokens (nats/token). */
  onStep?: (step: number, loss: number) => void;
  log?: (line: string) => void;
  /**
   * Aborted to stop early (reason `SIGINT` or `SIGTERM`): the current step finishes, the model so far is
   * written with a PROVENANCE.md that says where it stopped, and an InterruptedError says so.
   */
  stop?: AbortSignal;
}

/** Options of {@link pretrainCountdown}. */
export interface PretrainOptions extends CrossEntropyRunOptions {
  /** Hugging Face config keys overriding the default small Llama-style shape (vocab_size comes from the tokenizer). */
  modelConfig?: Record<string, unknown>;
  /** Target size of the BPE vocabulary. */
  vocabSize?: number;
  /** Countdown generator settings of the pretraining problems. */
  generator?: { minNumbers?: number; maxNumbers?: number; maxNumber?: number; maxTarget?: number };
  /**
   * Read the pretraining problems from a frozen set (`embedded:countdown-pretraining`, the embedded
   * base model's, or a file of scripts/freeze-countdown-problems.ts) instead of generating them; its
   * header must match the generator call of {@link pretrainingProblemOptions}. Default: generate.
   */
  problems?: string;
  /** Share of examples whose target one of their candidates reaches (see countdown-corpus.ts); default 0. */
  reachedShare?: number;
  /**
   * `whole` (default): every number of the corpus one token (BPE over undivided numbers), so checking a
   * value against the target is matching one token; `digits`: one token per digit. Measured: with digits
   * the model never learned the target check (85–92 % of its marks wrong, also with half the targets
   * reachable), with whole numbers 11 % (docs/results/README.md).
   */
  numberTokens?: NumberTokens;
  /**
   * `random` (default): the random-derivation text of countdown-corpus.ts (the embedded countdown-base);
   * `search`: the full-search text of countdown-search-corpus.ts (three numbers only).
   */
  corpus?: PretrainCorpus;
  /** With the search corpus: share of answers drawn among the candidates that miss the target; default 0. */
  missShare?: number;
  /** With the search corpus: share of answers that are the search's first step alone (a habitual guess, never right); default 0. */
  habitShare?: number;
}

/** The pretraining texts: random derivations or full searches. */
export const PRETRAIN_CORPORA = ['random', 'search'] as const;
/** One of {@link PRETRAIN_CORPORA}. */
export type PretrainCorpus = (typeof PRETRAIN_CORPORA)[number];

/** How the base tokenizer spells numbers. */
export const NUMBER_TOKENS = ['whole', 'digits'] as const;
/** One of {@link NUMBER_TOKENS}. */
export type NumberTokens = (typeof NUMBER_TOKENS)[number];

/** What {@link pretrainCountdown} returns. */
export interface PretrainResult {
  dir: string;
  config: DecoderConfig;
  parameters: number;
  /** Mean completion cross-entropy of every step. */
  losses: number[];
}

// Seed stream of the answers (the problems' is countdown-corpus.ts's; the weights use the seed itself).
const ANSWER_STREAM = 0xa115;

/** The default base shape: small enough to pretrain and RL on a 2-core CPU in minutes. */
export const BASE_MODEL_SHAPE = {
  model_type: 'llama',
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 176,
  max_position_embeddings: 512,
  tie_word_embeddings: true,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
} as const;

/** Pretrain a Countdown base model and write it to `outDir`; see the module comment. */
export async function pretrainCountdown(o: PretrainOptions): Promise<PretrainResult> {
  checkRunOptions(o);
  const difficulty = { ...BASE_TASK_DIFFICULTY, ...o.generator };
  const problems = pretrainingProblems(o);
  const answerSeed = deriveSeed(o.seed, ANSWER_STREAM);
  const search = o.corpus === 'search';
  if (search && o.reachedShare !== undefined) throw new TrainerError('reachedShare is for the random corpus only');
  if (!search && (o.missShare !== undefined || o.habitShare !== undefined)) {
    throw new TrainerError('missShare and habitShare are for the search corpus only');
  }
  const examples = search
    ? countdownSearchExamples(problems, o.steps * o.batch, answerSeed, {
        missShare: o.missShare,
        habitShare: o.habitShare,
      })
    : countdownPretrainExamples(problems, o.steps * o.batch, answerSeed, {
        reachedShare: o.reachedShare,
        maxTarget: difficulty.maxTarget,
      });
  const command =
    o.command ??
    `rlvr pretrain --task countdown --steps ${o.steps} --batch ${o.batch} --lr ${o.lr} --seed ${o.seed}${o.problems === undefined ? '' : ` --problems ${o.problems}`}`;
  return pretrainFromScratch(o, {
    examples,
    tokenizerFiles: countdownTokenizer(examples, o.numberTokens ?? 'whole', o.vocabSize),
    command,
    purpose: search ? searchPurpose(o.habitShare ?? 0) : PRETRAIN_PURPOSE,
  });
}

/** What {@link pretrainFromScratch} trains on and records. */
export interface FromScratchCorpus {
  /** At least steps × batch examples; step s trains on the s-th slice of `batch`. */
  examples: readonly PretrainExample[];
  /** The new model's tokenizer, learned from the same text. */
  tokenizerFiles: TokenizerFiles;
  /** The command line that reproduces the model (PROVENANCE.md and the weights' metadata). */
  command: string;
  /** PROVENANCE.md's first lines: what the model is for. */
  purpose: readonly string[];
}

/**
 * A new model of the base shape (with `o.modelConfig` over it) and the corpus's tokenizer, initialised
 * from `o.seed`, trained by next-token cross-entropy on the examples and written to `o.outDir` with its
 * tokenizer and PROVENANCE.md. Shared by every pretraining corpus.
 */
export async function pretrainFromScratch(
  o: CrossEntropyRunOptions & { modelConfig?: Record<string, unknown> },
  corpus: FromScratchCorpus,
): Promise<PretrainResult> {
  const tokenizer = SamplerTokenizer.fromObjects(
    corpus.tokenizerFiles.tokenizerJson,
    corpus.tokenizerFiles.tokenizerConfig,
  );
  const config = parseDecoderConfig({ ...BASE_MODEL_SHAPE, ...o.modelConfig, vocab_size: tokenizer.vocabSize });
  const model = await createDecoderModel({
    config,
    weights: initWeights(config, o.seed),
    backend: o.backend,
    log: o.log ?? null,
  });
  try {
    const losses = await trainCrossEntropy(model, tokenizer, o, (step) =>
      corpus.examples.slice(step * o.batch, (step + 1) * o.batch),
    );
    await writeTrainedModel(model, tokenizer, o, corpus.command, corpus.purpose, losses);
    writeTokenizerFiles(o.outDir, corpus.tokenizerFiles);
    requireAllSteps(o, losses);
    return { dir: o.outDir, config, parameters: parameterCount(config), losses };
  } finally {
    await model.dispose();
  }
}

/** The base model's byte-level BPE tokenizer, learned from the first pretraining examples; numbers spelled as `numberTokens` says. */
export function countdownTokenizer(
  examples: readonly PretrainExample[],
  numberTokens: NumberTokens,
  vocabSize?: number,
): TokenizerFiles {
  const whole = numberTokens === 'whole';
  // Whole numbers need a merge per number: a larger vocabulary, learned from more text so that rare values repeat.
  const corpus = examples.slice(0, whole ? 8192 : 256).map((e) => e.prompt + e.completion);
  return buildBpeTokenizer({ corpus, vocabSize: vocabSize ?? (whole ? 1536 : 512), isolateDigits: !whole });
}

/** Checks the options every cross-entropy run shares, before any work; the TrainerError names the option. */
export function checkRunOptions(o: CrossEntropyRunOptions): void {
  for (const [name, value] of [
    ['steps', o.steps],
    ['batch', o.batch],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new TrainerError(`${name} must be an integer ≥ 1, got ${value}`);
  }
  if (!(o.lr > 0 && Number.isFinite(o.lr))) throw new TrainerError(`lr must be finite and > 0, got ${o.lr}`);
}

/** `o.steps` steps of {@link crossEntropyStep} (fewer when `o.stop` is aborted), step `s` on the examples `batchAt(s)`; returns every step's loss (and reports it to `o.onStep`). */
export async function trainCrossEntropy(
  model: DecoderModel,
  tokenizer: SamplerTokenizer,
  o: CrossEntropyRunOptions,
  batchAt: (step: number) => readonly PretrainExample[],
): Promise<number[]> {
  const losses: number[] = [];
  for (let step = 0; step < o.steps && stopReason(o.stop) === undefined; step++) {
    const loss = await crossEntropyStep(model, tokenizer, batchAt(step), o.lr);
    losses.push(loss);
    o.onStep?.(step + 1, loss);
  }
  return losses;
}

/**
 * Writes a trained model to `o.outDir`: weights with the command and seed in their metadata, config.json
 * with the tokenizer's EOS id, and PROVENANCE.md (`purpose`, command, shape, losses). Tokenizer files are
 * the caller's: pretraining writes a new tokenizer, SFT copies its start model's.
 */
export async function writeTrainedModel(
  model: DecoderModel,
  tokenizer: SamplerTokenizer,
  o: CrossEntropyRunOptions,
  command: string,
  purpose: readonly string[],
  losses: number[],
): Promise<void> {
  writeModelDirectory(o.outDir, model.config, await model.weights(), {
    metadata: { command, seed: String(o.seed) },
    extraConfig: { eos_token_id: tokenizer.eosTokenIds[0] ?? null },
  });
  const stopped =
    losses.length < o.steps
      ? [
          `Stopped by ${stopReason(o.stop) ?? 'a stop request'} after step ${losses.length} of ${o.steps}: these are the weights at that step, not the`,
          'full run (the command below runs all the steps again).',
          '',
        ]
      : [];
  withStorage(
    join(o.outDir, 'PROVENANCE.md'),
    'write',
    () =>
      writeFileSync(
        join(o.outDir, 'PROVENANCE.md'),
        provenance([...stopped, ...purpose], command, model.config, losses),
      ),
    'the weights were written without their PROVENANCE.md',
  );
}

/** After a model was written: an InterruptedError when a stop request cut its training short. */
export function requireAllSteps(o: CrossEntropyRunOptions, losses: readonly number[]): void {
  const signal = stopReason(o.stop);
  if (signal === undefined || losses.length >= o.steps) return;
  throw new InterruptedError(
    signal,
    `stopped by ${signal} after step ${losses.length} of ${o.steps}; the model so far is in ${o.outDir} (its PROVENANCE.md says where it stopped); pretraining cannot be continued: run the same command again for the full model`,
  );
}

/** One step of next-token cross-entropy over the completion tokens of `batch`; returns the mean loss. */
export async function crossEntropyStep(
  model: DecoderModel,
  tokenizer: SamplerTokenizer,
  batch: readonly PretrainExample[],
  lr: number,
): Promise<number> {
  // buildMicroBatches lays out the loss mask over completion tokens; the sampler logprobs it wants are unused here.
  const rows = batch.map((e) => {
    const completionIds = tokenizer.encode(e.completion);
    return { promptIds: tokenizer.encode(e.prompt), completionIds, logprobs: completionIds.map(() => 0) };
  });
  const [micro] = buildMicroBatches(rows, new Float32Array(rows.length), {
    microBatchSize: rows.length,
    padId: tokenizer.padTokenId ?? 0,
  });
  const b = micro!.batch;
  const logits = await model.forward(b.tokens, b.attentionMask, b.batch, b.seq);
  const dims = { tokens: b.batch * b.seq, vocab: model.config.vocabSize };
  const targets = shiftedTargets(b.tokens, b.batch, b.seq);
  const mask = padShifted(b.lossMask, b.batch, b.seq);
  const { logprob } = cpuOps.logSoftmaxGatherF32(logits, targets, dims);
  let loss = 0;
  const gLogprob = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    loss -= logprob[i]! / micro!.lossTokens;
    gLogprob[i] = -1 / micro!.lossTokens;
  }
  await model.backward(cpuOps.logSoftmaxGatherBackwardF32(logits, targets, gLogprob, null, dims));
  await model.step({ lr, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 });
  return loss;
}

const PRETRAIN_PURPOSE = [
  'Countdown base model pretrained by next-token cross-entropy on synthetic completions (random',
  'step-by-step combinations of the given numbers; mostly not solutions).',
];

/** What a search-corpus model is, with its habitual answer when it has one. */
function searchPurpose(habitShare: number): string[] {
  const answer =
    habitShare > 0
      ? `and whose answer is, in a share ${habitShare} of the examples, the search's first step alone (a habitual guess that leaves a number out, never right), otherwise a candidate drawn at random.`
      : 'and whose answer is a candidate drawn at random.';
  return [
    'Countdown base model pretrained by next-token cross-entropy on synthetic completions whose thought is a',
    'full search (every first step, then every way of combining its value with the number left over, a value',
    `equal to the target marked with its expression) ${answer}`,
  ];
}

/** PROVENANCE.md of a trained model directory: what it is, the command that reproduces it, its shape and losses. */
export function provenance(
  purpose: readonly string[],
  command: string,
  config: DecoderConfig,
  losses: number[],
): string {
  const tail = losses.slice(-Math.min(20, losses.length));
  return [
    '# Provenance',
    '',
    ...purpose,
    'Reproduce with:',
    '',
    '```',
    command,
    '```',
    '',
    `Shape: ${JSON.stringify({ hidden: config.hiddenSize, layers: config.numHiddenLayers, heads: config.numAttentionHeads, kvHeads: config.numKeyValueHeads, intermediate: config.intermediateSize, vocab: config.vocabSize })}, ${parameterCount(config)} parameters.`,
    `Completion cross-entropy: first step ${losses[0]?.toFixed(3)} nats/token, mean of the last ${tail.length} steps ${(tail.reduce((a, x) => a + x, 0) / tail.length).toFixed(3)}.`,
    '',
  ].join('\n');
}
