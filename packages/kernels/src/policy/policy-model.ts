/**
 * The policy layer, written once for every backend: {@link PolicyModel} turns a thin
 * {@link PolicyBackend} (forward, on-device loss, backward, AdamW kernels, tensor IO) into the
 * `DecoderModel` the trainer uses — input checks, TRL's shifted layout, the PG loss's batch padding and
 * loss scale, micro-batch accumulation, "a step consumes the gradients", the weight-decay rule and the
 * optimizer state's step count and checks.
 */
import { type DecoderConfig, type ParameterSpec, parameterSpecs } from '@rlvr/core';
import type { AdamWOptions } from '../adamw/adamw.shared.js';
import type { Ints } from '../arrays.js';
import type { PgLossLogitsOptions } from '../loss/loss.shared.js';
import type { BackendName } from '../device/backend.js';
import { DecoderModelError } from '../decoder/errors.js';
import { checkDecoderInputs } from '../decoder/inputs.js';
import type { DecoderStepOptions, DecoderTensors, StepReport } from '../decoder/types.js';
import { decaysWeight } from '../decoder/weight-decay.js';
import type { LoraSettings, LoraTarget } from '../lora/lora-spec.js';
import {
  type PaddedPolicyInputs,
  type PolicyBatch,
  type PolicyLossOptions,
  type PolicyLossStats,
  type TokenLogprobs,
  checkedLossScale,
  padPolicyBatch,
  paddedLossOptions,
  policyLossStats,
  shiftedTargets,
  unpadShifted,
} from './policy-batch.js';

/** AdamW state of a {@link DecoderModel}: steps taken and first/second moments by parameter name. */
export interface OptimizerState {
  /** Steps taken (the next step uses t = step + 1). */
  step: number;
  /** First moments, one tensor per parameter. */
  m: DecoderTensors<Float32Array>;
  /** Second moments, one tensor per parameter. */
  v: DecoderTensors<Float32Array>;
}

/**
 * A backend's own arrays, not copies: the parameters by Hugging Face name and the AdamW state (moments
 * allocated as zeros when no step was taken yet). An optimizer step updates them in place, so readers
 * (the sampler's graph inputs, a checkpoint writer) see the current values and need no copy; writing
 * them changes the model.
 */
export interface LiveTensors {
  weights: DecoderTensors<Float32Array>;
  optimizerState: OptimizerState;
}

/**
 * A LoRA model's own arrays, without copying: the frozen base weights and the adapters' A and B (which
 * each step updates in place), with the wrapped Linears and the update's scale, so that a sampler can
 * run the adapters on top of the base instead of reading merged weights.
 */
export interface LiveAdapters {
  base: DecoderTensors<Float32Array>;
  /** A and B by PEFT name. */
  adapters: DecoderTensors<Float32Array>;
  targets: readonly LoraTarget[];
  /** α/r, or α/√r with rsLoRA. */
  scale: number;
}

/**
 * The decoder on whichever backend was selected: Hugging Face parameter names, logits [batch, seq,
 * vocab]; calls must not interleave (a backward differentiates the last forward).
 */
export interface DecoderModel {
  /** The backend in use. */
  readonly backend: BackendName;
  /** Why that backend was chosen (as printed by `selectBackend`). */
  readonly reason: string;
  /** The validated configuration. */
  readonly config: DecoderConfig;
  /** Logits [batch, seq, vocab] of tokens [batch, seq] under mask [batch, seq] (1 = token, 0 = padding). */
  forward(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<Float32Array>;
  /** Named gradients (copies) of a scalar loss given dloss/dlogits [batch, seq, vocab] of the last forward. */
  backward(dlogits: Float32Array): Promise<DecoderTensors<Float32Array>>;
  /**
   * Token logprobs and entropies [batch, seq − 1] (TRL's shifted convention) under temperature (default
   * 1); `adapters: false` gives the base model's under LoRA (the frozen weights alone: a KL reference
   * without a second copy).
   */
  tokenLogprobs(
    tokens: Ints,
    mask: Ints,
    batch: number,
    seq: number,
    options?: { temperature?: number; adapters?: boolean },
  ): Promise<TokenLogprobs>;
  /**
   * Forward, the policy-gradient loss with its dlogits, and the backward of one micro-batch; gradients
   * replace the pending ones, or are added to them with `accumulate`. Returns the loss and its statistics.
   */
  policyLoss(batch: PolicyBatch, options: PolicyLossOptions): Promise<PolicyLossStats>;
  /** The pending gradients (from backward/policyLoss since the last step) as named tensors (copies). */
  gradients(): Promise<DecoderTensors<Float32Array>>;
  /** Global L2 norm of the pending gradients, as the next {@link step} would report it, without stepping or copying them. */
  gradNorm(): Promise<number>;
  /** One AdamW step from the pending gradients, clipped to `maxGradNorm` if given (moments zero before the first step). */
  step(options: DecoderStepOptions): Promise<StepReport>;
  /**
   * Every parameter as named Float32 tensors (copies; tied models have no `lm_head.weight`); with LoRA
   * the merged weights W + scale·B·A, so a sampler or a saved model needs no adapter.
   */
  weights(): Promise<DecoderTensors<Float32Array>>;
  /** The LoRA settings when the model trains adapters instead of its weights, else null. */
  readonly lora: LoraSettings | null;
  /** The LoRA adapters' A and B by PEFT name (copies), or null without LoRA. */
  adapters(): Promise<DecoderTensors<Float32Array> | null>;
  /** AdamW's step count and moments (zeros before the first step), for checkpoints. */
  optimizerState(): Promise<OptimizerState>;
  /** Restore a checkpoint's AdamW state; names and shapes are checked (errors name the tensor). */
  setOptimizerState(state: OptimizerState): Promise<void>;
  /**
   * The model's own parameter and AdamW-moment arrays, without copying (see {@link LiveTensors}); null
   * where the backend holds them off the host (webgpu) or trains LoRA adapters (see
   * {@link DecoderModel.liveAdapters}).
   */
  liveTensors(): LiveTensors | null;
  /** Under LoRA, the frozen base and the adapters themselves (see {@link LiveAdapters}); null without LoRA or off the host. */
  liveAdapters(): LiveAdapters | null;
  /** Release the backend's resources; idempotent; later calls throw. */
  dispose(): Promise<void>;
}

/** The PG loss's scalar statistics and per-token logprobs in the padded [batch·seq] layout, as a backend computes them. */
export type PaddedLossStats = Omit<PolicyLossStats, 'logp'> & { logp: ArrayLike<number> };

/**
 * What a training backend implements for {@link PolicyModel}. Inputs arrive checked; a backend keeps
 * the last forward's logits and activations, the pending dlogits and the gradients on its device.
 */
export interface PolicyBackend {
  /** The validated configuration. */
  readonly config: DecoderConfig;
  /**
   * Forward of checked ids and mask [batch, seq]; the logits stay on the backend. `train`: the loss's
   * forward (LoRA dropout applies), not an evaluation one; `adapters` false: the base model, LoRA off.
   */
  forward(
    ids: Int32Array,
    mask: Int32Array,
    batch: number,
    seq: number,
    train?: boolean,
    adapters?: boolean,
  ): Promise<void>;
  /** The last forward's logits [batch·seq, vocab], read back (the caller's to keep). */
  readLogits(): Promise<Float32Array>;
  /** Logprob and entropy of each logits row of the last forward at `targets` [batch·seq], logits divided by `temperature`. */
  gatherLogprobs(
    targets: Int32Array,
    temperature: number | undefined,
  ): Promise<{ logprob: Float32Array; entropy: Float32Array }>;
  /** The PG loss on the last forward's logits; its d loss/d logits, times `scale`, become the pending dlogits. */
  policyLoss(
    targets: Int32Array,
    inputs: Omit<PaddedPolicyInputs, 'targets'>,
    options: PgLossLogitsOptions,
    scale: number,
  ): Promise<PaddedLossStats>;
  /** Make `dlogits` [batch·seq·vocab] the pending dlogits. */
  setDlogits(dlogits: Float32Array): Promise<void>;
  /** Backward of the last forward from the pending dlogits: the gradients replace the backend's, or are added to them. */
  backward(accumulate: boolean): Promise<void>;
  /** The backend's gradients, read back (copies). */
  readGradients(): Promise<DecoderTensors<Float32Array>>;
  /** Global L2 norm of the gradients on the device, computed as {@link adamw} computes it (nothing changes). */
  gradNorm(): Promise<number>;
  /**
   * Global gradient norm (clipped to `maxGradNorm` when given), then AdamW step `t` on every parameter,
   * with `adam.weightDecay` where `decays(spec)` and none elsewhere.
   */
  adamw(
    t: number,
    adam: AdamWOptions,
    decays: (spec: ParameterSpec) => boolean,
    maxGradNorm: number | undefined,
  ): Promise<StepReport>;
  /** Every parameter read back (copies). */
  readParameters(): Promise<DecoderTensors<Float32Array>>;
  /** AdamW moments read back (zeros before the first step). */
  readMoments(): Promise<{ m: DecoderTensors<Float32Array>; v: DecoderTensors<Float32Array> }>;
  /** Overwrite the AdamW moments (checked by the caller), restored at `step` steps taken. */
  writeMoments(m: DecoderTensors<Float32Array>, v: DecoderTensors<Float32Array>, step?: number): Promise<void>;
  /** LoRA adapters read back (copies); absent or null = the backend trains every weight. */
  readAdapters?(): Promise<DecoderTensors<Float32Array> | null>;
  /** The parameters and AdamW moments themselves (no copies), where the backend keeps them on the host and trains every weight. */
  liveTensors?(): {
    weights: DecoderTensors<Float32Array>;
    m: DecoderTensors<Float32Array>;
    v: DecoderTensors<Float32Array>;
  } | null;
  /** Under LoRA on the host, the frozen base and the adapters themselves (no copies). */
  liveAdapters?(): LiveAdapters | null;
  /** What the optimizer trains (default: every parameter of the config). */
  trainableSpecs?(): ParameterSpec[];
  /** Release the backend's resources (idempotent). */
  dispose(): Promise<void>;
}

/**
 * Check an optimizer state against the config: integer step ≥ 0, and m and v with exactly the trained
 * parameters' names and shapes (`specs`, default every parameter of the config).
 */
export function checkOptimizerState(
  config: DecoderConfig,
  state: OptimizerState,
  specs: ParameterSpec[] = parameterSpecs(config),
): void {
  if (!Number.isInteger(state.step) || state.step < 0) {
    throw new DecoderModelError(`optimizer state: step must be an integer ≥ 0, got ${state.step}`);
  }
  const shapes = new Map(specs.map((s) => [s.name, s.shape]));
  for (const which of ['m', 'v'] as const) {
    const tensors = state[which];
    for (const name of Object.keys(tensors)) {
      if (!shapes.has(name)) throw new DecoderModelError(`optimizer state: ${which} has unknown tensor ${name}`);
    }
    for (const [name, shape] of shapes) {
      const t = tensors[name];
      if (!t) throw new DecoderModelError(`optimizer state: ${which} is missing ${name}`);
      const size = shape.reduce((a, b) => a * b, 1);
      if (t.shape.join(',') !== shape.join(',') || t.data.length !== size) {
        throw new DecoderModelError(
          `optimizer state: ${which}.${name} has shape [${t.shape.join(', ')}] (${t.data.length} values); expected [${shape.join(', ')}]`,
        );
      }
    }
  }
}

/** Where a {@link PolicyModel} runs and what it does on dispose besides disposing its backend. */
export interface PolicyModelOptions {
  backend: BackendName;
  /** Why this backend (shown to users). */
  reason: string;
  /** The LoRA settings when the backend trains adapters. */
  lora?: LoraSettings;
  /** Called once after the backend is disposed (e.g. destroy a device the model owns). */
  onDispose?: () => void | Promise<void>;
}

/** The `DecoderModel` over any {@link PolicyBackend} (see the module comment for what it adds). */
export class PolicyModel implements DecoderModel {
  readonly backend: BackendName;
  readonly reason: string;
  readonly config: DecoderConfig;
  readonly lora: LoraSettings | null;
  readonly #engine: PolicyBackend;
  readonly #onDispose: (() => void | Promise<void>) | undefined;
  /** Shape of the last forward (what a backward differentiates), or undefined. */
  #last: { batch: number; seq: number } | undefined;
  /** Whether gradients were gathered since the last step (what `accumulate` adds to and `step` consumes). */
  #pending = false;
  #steps = 0;
  #disposed = false;

  /** Wrap `engine`; the model owns it from now on (dispose disposes it). */
  constructor(engine: PolicyBackend, options: PolicyModelOptions) {
    this.#engine = engine;
    this.backend = options.backend;
    this.reason = options.reason;
    this.config = engine.config;
    this.lora = options.lora ? { ...options.lora } : null;
    this.#onDispose = options.onDispose;
  }

  /** Number of AdamW steps taken (the next step uses t = this + 1). */
  get optimizerSteps(): number {
    return this.#steps;
  }

  /** True once {@link PolicyModel.dispose} has run. */
  get disposed(): boolean {
    return this.#disposed;
  }

  async forward(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<Float32Array> {
    this.#assertUsable('forward');
    await this.#forward(tokens, mask, batch, seq);
    return await this.#engine.readLogits();
  }

  async backward(dlogits: Float32Array): Promise<DecoderTensors<Float32Array>> {
    this.#assertUsable('backward');
    const last = this.#last;
    if (!last) throw new DecoderModelError('backward: no forward to differentiate; call forward first');
    const expected = last.batch * last.seq * this.config.vocabSize;
    if (!(dlogits instanceof Float32Array) || dlogits.length !== expected) {
      throw new DecoderModelError(
        `dlogits: expected a Float32Array of ${expected} values ([batch ${last.batch}, seq ${last.seq}, vocab ${this.config.vocabSize}]), got ${dlogits.length}`,
      );
    }
    await this.#engine.setDlogits(dlogits);
    await this.#backward(false);
    return await this.#engine.readGradients();
  }

  async tokenLogprobs(
    tokens: Ints,
    mask: Ints,
    batch: number,
    seq: number,
    options: { temperature?: number; adapters?: boolean } = {},
  ): Promise<TokenLogprobs> {
    this.#assertUsable('tokenLogprobs');
    if (!Number.isInteger(seq) || seq < 2) {
      throw new DecoderModelError(`tokenLogprobs: seq must be an integer ≥ 2, got ${seq}`);
    }
    const ids = await this.#forward(tokens, mask, batch, seq, false, options.adapters ?? true);
    const r = await this.#engine.gatherLogprobs(shiftedTargets(ids, batch, seq), options.temperature);
    return { logprob: unpadShifted(r.logprob, batch, seq), entropy: unpadShifted(r.entropy, batch, seq) };
  }

  async policyLoss(p: PolicyBatch, options: PolicyLossOptions): Promise<PolicyLossStats> {
    this.#assertUsable('policyLoss');
    const { accumulate, lossScale, ...config } = options;
    const scale = checkedLossScale(lossScale);
    const padded = padPolicyBatch(p, config);
    await this.#forward(p.tokens, p.attentionMask, p.batch, p.seq, true);
    const r = await this.#engine.policyLoss(
      padded.targets,
      {
        oldLogp: padded.oldLogp,
        advantages: padded.advantages,
        mask: padded.mask,
        refLogp: padded.refLogp,
        samplerLogp: padded.samplerLogp,
      },
      { ...paddedLossOptions(config, p.batch, p.seq), vocab: this.config.vocabSize },
      scale,
    );
    await this.#backward(accumulate === true);
    return policyLossStats(r, p.batch, p.seq);
  }

  async gradients(): Promise<DecoderTensors<Float32Array>> {
    this.#assertUsable('gradients');
    if (!this.#pending) throw new DecoderModelError('gradients: no gradients; call backward or policyLoss first');
    return await this.#engine.readGradients();
  }

  async gradNorm(): Promise<number> {
    this.#assertUsable('gradNorm');
    if (!this.#pending) throw new DecoderModelError('gradNorm: no gradients; call backward or policyLoss first');
    return await this.#engine.gradNorm();
  }

  async step(options: DecoderStepOptions): Promise<StepReport> {
    this.#assertUsable('step');
    // A step consumes the gradients: stepping twice on one backward is almost always a trainer bug.
    if (!this.#pending) {
      throw new DecoderModelError('step: no gradients since the last step; call backward or policyLoss first');
    }
    const { decayNormsAndBiases, maxGradNorm, ...adam } = options;
    const t = this.#steps + 1;
    const report = await this.#engine.adamw(t, adam, (spec) => decaysWeight(spec, decayNormsAndBiases), maxGradNorm);
    this.#steps = t;
    this.#pending = false;
    return report;
  }

  async weights(): Promise<DecoderTensors<Float32Array>> {
    this.#assertUsable('weights');
    return await this.#engine.readParameters();
  }

  async adapters(): Promise<DecoderTensors<Float32Array> | null> {
    this.#assertUsable('adapters');
    return (await this.#engine.readAdapters?.()) ?? null;
  }

  async optimizerState(): Promise<OptimizerState> {
    this.#assertUsable('optimizerState');
    const { m, v } = await this.#engine.readMoments();
    return { step: this.#steps, m, v };
  }

  async setOptimizerState(state: OptimizerState): Promise<void> {
    this.#assertUsable('setOptimizerState');
    checkOptimizerState(this.config, state, this.#engine.trainableSpecs?.());
    await this.#engine.writeMoments(state.m, state.v, state.step);
    this.#steps = state.step;
  }

  liveTensors(): LiveTensors | null {
    this.#assertUsable('liveTensors');
    const live = this.#engine.liveTensors?.() ?? null;
    return live && { weights: live.weights, optimizerState: { step: this.#steps, m: live.m, v: live.v } };
  }

  liveAdapters(): LiveAdapters | null {
    this.#assertUsable('liveAdapters');
    return this.#engine.liveAdapters?.() ?? null;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#engine.dispose();
    await this.#onDispose?.();
  }

  /** Check the inputs and run the backend's forward; returns the checked ids. */
  async #forward(
    tokens: Ints,
    mask: Ints,
    batch: number,
    seq: number,
    train = false,
    adapters = true,
  ): Promise<Int32Array> {
    const { ids, mask: m } = checkDecoderInputs(this.config, tokens, mask, batch, seq);
    this.#last = undefined;
    await this.#engine.forward(ids, m, batch, seq, train, adapters);
    this.#last = { batch, seq };
    return ids;
  }

  /** The backend's backward, adding to the pending gradients when asked and there are some. */
  async #backward(accumulate: boolean): Promise<void> {
    await this.#engine.backward(accumulate && this.#pending);
    this.#pending = true;
  }

  #assertUsable(what: string): void {
    if (this.#disposed) throw new DecoderModelError(`${what}: this DecoderModel (${this.backend}) has been disposed`);
  }
}
