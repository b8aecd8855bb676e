/**
 * The decoder (DESIGN.md "The policy model"; its chain is @rlvr/core's `decoderForward` and
 * `decoderBackward`) on the CPU, with its matrix products on an injectable {@link MatmulEngine}.
 *
 * Layouts (row-major, tokens = batch·seq, token index b·seq + s):
 *   tokens, mask: [batch, seq] (mask 1 = token, 0 = padding, HF `attention_mask`; left padding works
 *   because positions come from {@link positionsFromMask});
 *   logits, dlogits: [batch, seq, vocab]; weights and gradients: Hugging Face names and shapes,
 *   Linear weights in PyTorch layout [out, in], so y = x·Wᵀ + b.
 * Precision: the model holds its parameters and activations as T (Float32Array in production,
 * Float64Array for gradient checks); the references accumulate in f64 either way.
 * Padded positions are computed like any other (their logits are garbage-but-finite, as in HF); a
 * caller that does not want them to learn passes zero dlogits there.
 * Two op sets (option `ops` of {@link CpuDecoderModel.f32}): 'reference' ({@link ReferenceChainOps},
 * the plain references: ground truth, the only choice for f64), 'fast' ({@link FastChainOps}: tight f32
 * loops, attention products on the engine, gradients written in place) — same maths, so results agree
 * to f32 rounding.
 * Memory: the model holds one set of gradients, which each backward overwrites or adds to; the forward
 * can stop at the final hidden states ({@link CpuDecoderModel.forwardHidden}) for a caller that runs the
 * LM head in chunks ({@link CpuDecoderModel.backwardFromHead}); the fast ops can drop attention's
 * probabilities and checkpoint layers ({@link DecoderMemoryOptions}).
 */
import type { DecoderConfig, NamedTensors, ParameterSpec } from '@rlvr/core';
import {
  decoderBackwardFromHidden,
  decoderHidden,
  decoderParameters,
  parameterSpecs,
  validateWeights,
} from '@rlvr/core';
import { type Floats, type Ints, allocLike } from '../arrays.js';
import { adamwStep } from '../adamw/adamw.reference.js';
import { type AdamWOptions } from '../adamw/adamw.shared.js';
import { clipGradNorm, globalGradNorm } from '../grad-norm/grad-norm.reference.js';
import { logSoftmaxGatherForward } from '../loss/log-softmax-gather.reference.js';
import { positionsFromMask } from '../rope/rope.shared.js';
import { AttentionWorkspace, attentionProbsLength } from '../attention/attention.cpu.js';
import { adamwStepF32 } from '../adamw/adamw.cpu.js';
import { type MatmulEngine, referenceMatmul } from './matmul-engine.js';
import { DecoderModelError } from './errors.js';
import { checkDecoderInputs } from './inputs.js';
import { type FastChainMemory, FastChainOps } from './fast-chain-ops.js';
import { ReferenceChainOps } from './reference-chain-ops.js';
import type { AdamWState, ChainBatch, DecoderStepOptions, DecoderTensors, StepReport } from './types.js';
import { decaysWeight } from './weight-decay.js';
import type { LoraAdapters } from '../lora/lora-adapters.js';
import { LoraChainOps } from '../lora/lora-ops.js';

export type { AdamWState, DecoderStepOptions, DecoderTensor, DecoderTensors, StepReport } from './types.js';
export { DecoderModelError } from './errors.js';

/** Which op implementations a model composes: the plain references or the fast cpu ops (f32 only). */
export type DecoderOps = 'reference' | 'fast';

/** What the fast ops keep between a forward and its backward (the reference ops keep everything). */
export interface DecoderMemoryOptions {
  /**
   * Activation checkpointing: these blocks (true = all, an array = those layer indices) keep only
   * their input in the forward and re-run their forward right before their backward. Default none.
   */
  checkpointLayers?: boolean | readonly number[];
  /**
   * Attention drops its probabilities [batch, heads, seq, seq] in the forward and recomputes them
   * one (sequence, kv head) at a time in the backward. Default: when the probabilities the forward
   * would keep exceed {@link ATTENTION_PROBS_BUDGET_BYTES}.
   */
  recomputeAttention?: boolean;
}

/** Above this many bytes of kept attention probabilities, attention recomputes them by default. */
export const ATTENTION_PROBS_BUDGET_BYTES = 64 * 2 ** 20;

/** Options of {@link CpuDecoderModel.f32}. */
export interface DecoderF32Options {
  /** Op set; default 'fast' unless the engine is the reference one (then the all-reference path). */
  ops?: DecoderOps;
  /** Memory options of the fast ops. */
  memory?: DecoderMemoryOptions;
  /** LoRA adapters on the wrapped Linears: only they get gradients and AdamW state; the base weights are frozen. */
  lora?: LoraAdapters<Float32Array>;
  /**
   * Take each weight that is already a Float32Array as the model's own (no copy): the caller hands
   * those arrays over and must not read or write them afterwards. Default false (every weight copied).
   */
  adoptWeights?: boolean;
}

/** The last forward: its ops (holding what the backward reads), its batch and its final hidden states. */
interface LastForward {
  ops: ReferenceChainOps<Floats> | FastChainOps;
  /** The ops the chain ran on: `ops`, or LoRA's wrapper of them. */
  chain: ReferenceChainOps<Floats> | FastChainOps | LoraChainOps<Float32Array | Float64Array>;
  batch: ChainBatch;
  hidden: Floats;
  /** Whether {@link CpuDecoderModel.logits} ran (so the head's backward from dlogits has its input saved). */
  logitsTaken?: boolean;
}

/** Differentiates the LM head: given the gradient set, writes (or with `accumulate` adds) the head weight's gradient and returns dloss/d(final hidden states). */
export type HeadBackward<T extends Floats> = (grads: DecoderTensors<T>, accumulate: boolean) => T | Promise<T>;

/**
 * The decoder on the CPU: forward to logits, backward to named gradients, AdamW step. Build it with
 * {@link CpuDecoderModel.f32} or {@link CpuDecoderModel.f64}. Methods are async because the ORT
 * engine is; calls must not interleave (one forward's saved values are kept for the next backward).
 */
export class CpuDecoderModel<T extends Floats> {
  /** The validated configuration. */
  readonly config: DecoderConfig;
  /** The matrix-product engine in use. */
  readonly engine: MatmulEngine<T>;
  /** The op set in use ('fast' only on Float32 models). */
  readonly ops: DecoderOps;
  private readonly workspace = new AttentionWorkspace();
  // Fast path: activations reused across steps (same shapes ⇒ no allocation, page faults or GC per step).
  private readonly pool = new AttentionWorkspace();
  private readonly specs: ParameterSpec[];
  private readonly params: DecoderTensors<T> = {};
  private readonly alloc: (n: number) => T;
  private last: LastForward | undefined;
  /** The one gradient set: each backward overwrites or adds to it. */
  private gradients: DecoderTensors<T> | undefined;
  private readonly memory: DecoderMemoryOptions;
  /** LoRA adapters, when the model trains them instead of its own weights. */
  readonly lora: LoraAdapters<T> | undefined;

  private constructor(
    config: DecoderConfig,
    weights: Record<string, { shape: number[]; data: ArrayLike<number> }>,
    engine: MatmulEngine<T>,
    alloc: (n: number) => T,
    ops: DecoderOps,
    memory: DecoderMemoryOptions = {},
    lora?: LoraAdapters<T>,
    adopt?: (data: ArrayLike<number>) => T | undefined,
  ) {
    // validateWeights only reads lengths and values, so a Float64Array-backed record checks the same way.
    validateWeights(config, weights as unknown as NamedTensors);
    this.config = config;
    this.engine = engine;
    this.alloc = alloc;
    this.ops = ops;
    this.memory = memory;
    this.lora = lora;
    // A tied checkpoint that also ships lm_head.weight (equal to the embedding, checked above) drops it.
    this.specs = parameterSpecs(config);
    for (const s of this.specs) {
      const src = weights[s.name]!;
      // An adopted array saves a whole copy of the weights at load (the caller's read is the model's storage).
      let data = adopt?.(src.data);
      if (data === undefined) {
        data = alloc(src.data.length);
        data.set(src.data);
      }
      this.params[s.name] = { shape: [...s.shape], data };
    }
  }

  /** A Float32 model (production); weights are copied (or adopted, {@link DecoderF32Options.adoptWeights}), validated first (errors name the tensor); ops default as {@link DecoderF32Options}. */
  static f32(
    config: DecoderConfig,
    weights: Record<string, { shape: number[]; data: ArrayLike<number> }>,
    engine: MatmulEngine<Float32Array> = referenceMatmul,
    options: DecoderF32Options = {},
  ): CpuDecoderModel<Float32Array> {
    // The reference engine means "ground truth" (and is too slow for the fast ops to matter), so it keeps the reference ops.
    const ops = options.ops ?? (engine.name === 'reference' ? 'reference' : 'fast');
    if (ops !== 'reference' && ops !== 'fast') {
      throw new DecoderModelError(`ops: expected 'reference' or 'fast', got ${String(ops)}`);
    }
    return new CpuDecoderModel<Float32Array>(
      config,
      weights,
      engine,
      (n) => new Float32Array(n),
      ops,
      options.memory,
      options.lora,
      options.adoptWeights ? (data) => (data instanceof Float32Array ? data : undefined) : undefined,
    );
  }

  /** A Float64 model on the reference engine, for finite-difference checks; weights are copied; `lora` as in {@link DecoderF32Options}. */
  static f64(
    config: DecoderConfig,
    weights: Record<string, { shape: number[]; data: ArrayLike<number> }>,
    lora?: LoraAdapters<Float64Array>,
  ): CpuDecoderModel<Float64Array> {
    return new CpuDecoderModel<Float64Array>(
      config,
      weights,
      referenceMatmul,
      (n) => new Float64Array(n),
      'reference',
      {},
      lora,
    );
  }

  /**
   * The live parameters by Hugging Face name — views, not copies: writing into them changes the
   * model (the FD check and a loader rely on that); copy with `data.slice()` to keep a snapshot.
   * Tied models have no `lm_head.weight` entry.
   */
  weights(): DecoderTensors<T> {
    return this.params;
  }

  /** Logits [batch, seq, vocab] of tokens [batch, seq] under mask [batch, seq]; saves the activations for {@link backward}. */
  async forward(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<T> {
    await this.forwardHidden(tokens, mask, batch, seq);
    return this.logits();
  }

  /**
   * The forward up to the LM head: saves the activations for a backward, and the final hidden states
   * ({@link hidden}); the logits come later, whole ({@link logits}) or as a caller chunks them.
   */
  async forwardHidden(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<void> {
    const { ids, mask: m } = checkDecoderInputs(this.config, tokens, mask, batch, seq);
    const chainBatch: ChainBatch = { batch, seq, ids, mask: m, positions: positionsFromMask(m, batch, seq) };
    this.last = undefined;
    // The fast ops exist only on Float32 models (f32() is the only way to ask for them), so T is Float32Array there.
    const ops =
      this.ops === 'fast'
        ? new FastChainOps(
            this.config,
            this.params as unknown as DecoderTensors<Float32Array>,
            this.engine as unknown as MatmulEngine<Float32Array>,
            chainBatch,
            this.pool,
            this.workspace,
            this.#fastMemory(batch, seq),
          )
        : new ReferenceChainOps<Floats>(this.config, this.params, this.engine as MatmulEngine<Floats>, chainBatch);
    let chain: LastForward['chain'] = ops;
    if (this.lora) {
      const wrapped = new LoraChainOps(
        ops as ReferenceChainOps<Float32Array | Float64Array>,
        this.lora as unknown as LoraAdapters<Float32Array | Float64Array>,
        this.engine as unknown as MatmulEngine<Float32Array | Float64Array>,
        batch * seq,
      );
      // A checkpointed block's re-run forward must include its adapters.
      if (ops instanceof FastChainOps) ops.blockForwardOps = wrapped as unknown as LoraChainOps<Float32Array>;
      chain = wrapped;
    }
    const hidden = await decoderHidden<Floats>(this.config, chain as ReferenceChainOps<Floats>);
    this.last = { ops, chain, batch: chainBatch, hidden };
  }

  /** The last forward's final hidden states [batch·seq, hidden] (the LM head's input; a view, valid until the next forward). */
  hidden(): T {
    return this.#last('hidden').hidden as T;
  }

  /** The last forward's logits [batch, seq, vocab] (a fresh array), through the LM head; a backward from dlogits reads what this saves. */
  async logits(): Promise<T> {
    const last = this.#last('logits');
    const ops = last.ops as ReferenceChainOps<Floats>;
    last.logitsTaken = true;
    return (await ops.linear(last.hidden, decoderParameters(this.config).head, { layer: -1, value: 'logits' })) as T;
  }

  /**
   * Gradients of a scalar loss with respect to every parameter, given dloss/dlogits [batch, seq,
   * vocab] of the last forward (whose {@link logits} were taken); same names and shapes as {@link weights}
   * (tied: the embedding's gradient is the sum of its lookup and LM-head uses). The model's one gradient
   * set, overwritten, or added to with `accumulate`; kept for {@link step}.
   */
  async backward(dlogits: T, accumulate = false): Promise<DecoderTensors<T>> {
    const last = this.#last('backward');
    const { batch, seq } = last.batch;
    const expected = batch * seq * this.config.vocabSize;
    if (dlogits.length !== expected) {
      throw new DecoderModelError(
        `dlogits: expected ${expected} values ([batch ${batch}, seq ${seq}, vocab ${this.config.vocabSize}]), got ${dlogits.length}`,
      );
    }
    // Only the head's input is needed; a caller that never took the logits gets them taken (and dropped) here.
    if (!last.logitsTaken) await this.logits();
    const ops = last.ops as ReferenceChainOps<Floats>;
    const head = decoderParameters(this.config).head;
    return this.backwardFromHead(
      async () => (await ops.linearBackward(dlogits, head, { layer: -1, value: 'logits' })) as T,
      accumulate,
    );
  }

  /**
   * The backward of the last forward below an LM head that `head` differentiates (e.g. in chunks,
   * never holding [tokens, vocab] logits): it gets the gradient set — the model's one set, zeroed
   * unless `accumulate` — and returns dloss/d(final hidden states). Returns that set, kept for {@link step}.
   */
  async backwardFromHead(head: HeadBackward<T>, accumulate = false): Promise<DecoderTensors<T>> {
    const last = this.#last('backward');
    const grads = this.#gradientSet(accumulate);
    const ops = last.ops as ReferenceChainOps<Floats>;
    // The reference ops add everything (onto the zeroed set unless accumulating).
    if (last.ops instanceof FastChainOps) last.ops.startBackward(grads as DecoderTensors<Float32Array>, accumulate);
    else ops.startBackward(grads);
    if (last.chain instanceof LoraChainOps) {
      last.chain.startBackward(grads as DecoderTensors<Float32Array | Float64Array>);
    }
    const dHidden = await head(grads, accumulate);
    const beforeBlock = last.ops instanceof FastChainOps ? last.ops.beforeBlockBackward : undefined;
    await decoderBackwardFromHidden<Floats>(this.config, last.chain as ReferenceChainOps<Floats>, dHidden, beforeBlock);
    return grads;
  }

  /** Make `grads` (e.g. from another engine) the model's gradients: copied into its set, or added with `accumulate`. */
  accumulateGradients(grads: DecoderTensors<T>, accumulate: boolean): void {
    const into = this.#gradientSet(accumulate);
    for (const s of this.trainableSpecs()) {
      const from = grads[s.name]?.data;
      if (!from) throw new DecoderModelError(`gradients: ${s.name} missing`);
      const to = into[s.name]!.data;
      if (!accumulate) to.set(from);
      else for (let i = 0; i < to.length; i++) to[i]! += from[i]!;
    }
  }

  /** What the optimizer trains: every parameter, or with LoRA only the adapters' A and B (base weights frozen). */
  trainableSpecs(): ParameterSpec[] {
    return this.lora ? this.lora.specs() : this.specs;
  }

  /** A trainable parameter's live data by name (a base weight, or with LoRA an adapter tensor). */
  #param(name: string): T {
    return (this.lora ? this.lora.params[name] : this.params[name])!.data;
  }

  /** The model's gradients of the last backward (or accumulation), or undefined before the first. */
  pendingGradients(): DecoderTensors<T> | undefined {
    return this.gradients;
  }

  /** The last forward, or a {@link DecoderModelError} naming `what` needed it. */
  #last(what: string): LastForward {
    if (!this.last) throw new DecoderModelError(`${what}: no forward to differentiate; call forward first`);
    return this.last;
  }

  /**
   * The one gradient set (allocated on first use): kept for `accumulate`, else zeroed — except the fast
   * ops' Linear weights, whose dW the backward writes.
   */
  #gradientSet(accumulate: boolean): DecoderTensors<T> {
    // With LoRA the set holds only the adapters' gradients: the ops skip every parameter absent from it.
    if (!this.gradients) {
      this.gradients = {};
      for (const s of this.trainableSpecs()) {
        this.gradients[s.name] = { shape: [...s.shape], data: this.alloc(this.#param(s.name).length) };
      }
      return this.gradients;
    }
    if (!accumulate) {
      for (const s of this.trainableSpecs()) {
        if (this.lora || this.ops !== 'fast' || s.kind !== 'linear') this.gradients[s.name]!.data.fill(0);
      }
    }
    return this.gradients;
  }

  /** The fast ops' memory plan for a [batch, seq] forward (see {@link DecoderMemoryOptions}). */
  #fastMemory(batch: number, seq: number): FastChainMemory {
    const c = this.config;
    const option = this.memory.checkpointLayers ?? false;
    const listed = new Set(typeof option === 'boolean' ? [] : option);
    const checkpointed = (layer: number): boolean => layer >= 0 && (option === true || listed.has(layer));
    let kept = 0;
    for (let i = 0; i < c.numHiddenLayers; i++) if (!checkpointed(i)) kept++;
    if (kept < c.numHiddenLayers) kept++; // the checkpointed blocks' shared buffers
    const probsBytes =
      4 *
      kept *
      attentionProbsLength({
        batch,
        seq,
        numHeads: c.numAttentionHeads,
        numKvHeads: c.numKeyValueHeads,
        headDim: c.headDim,
      });
    return {
      checkpointed,
      recomputeAttention: this.memory.recomputeAttention ?? probsBytes > ATTENTION_PROBS_BUDGET_BYTES,
    };
  }

  /**
   * logprob of token t+1 given tokens ≤ t, [batch, seq − 1] (TRL's shifted convention), through the
   * reference log-softmax-gather. Entries whose target is padding are computed anyway; callers mask.
   * Runs a forward, so a following {@link backward} differentiates it (chain through the logits).
   */
  async tokenLogprobs(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<T> {
    const logits = await this.forward(tokens, mask, batch, seq);
    const ids = this.last!.batch.ids;
    const v = this.config.vocabSize;
    const rows = allocLike(logits, batch * (seq - 1) * v);
    const targets = new Int32Array(batch * (seq - 1));
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s + 1 < seq; s++) {
        const r = b * (seq - 1) + s;
        rows.set(logits.subarray((b * seq + s) * v, (b * seq + s + 1) * v), r * v);
        targets[r] = ids[b * seq + s + 1]!;
      }
    }
    return logSoftmaxGatherForward(rows, targets, { tokens: targets.length, vocab: v }).logprob;
  }

  /** Fresh zero AdamW moments for every parameter (step 0). */
  createAdamWState(): AdamWState<T> {
    const state: AdamWState<T> = { step: 0, m: {}, v: {} };
    for (const s of this.trainableSpecs()) {
      state.m[s.name] = this.alloc(this.#param(s.name).length);
      state.v[s.name] = this.alloc(this.#param(s.name).length);
    }
    return state;
  }

  /**
   * One AdamW step on every parameter, from `grads` (default: the last {@link backward}'s); advances
   * state.step. `decays` picks the parameters that get weight decay (default {@link decaysWeight}).
   */
  step(
    state: AdamWState<T>,
    options: DecoderStepOptions,
    grads: DecoderTensors<T> | undefined = this.gradients,
    decays: (spec: ParameterSpec) => boolean = (spec) => decaysWeight(spec, options.decayNormsAndBiases),
  ): StepReport {
    if (!grads) throw new DecoderModelError('step: no gradients; call backward first or pass them');
    const specs = this.trainableSpecs();
    for (const s of specs) {
      if (!grads[s.name]) throw new DecoderModelError(`step: gradient of ${s.name} missing`);
      if (!state.m[s.name] || !state.v[s.name]) throw new DecoderModelError(`step: AdamW state of ${s.name} missing`);
    }
    const { maxGradNorm, decayNormsAndBiases, ...adam } = options;
    const list = specs.map((s) => grads[s.name]!.data);
    const clip = maxGradNorm === undefined ? { norm: globalGradNorm(list), scale: 1 } : clipGradNorm(list, maxGradNorm);
    const t = state.step + 1;
    for (const s of specs) {
      // The fast path's f32 AdamW is bit-identical to the reference (adamw/adamw.cpu.ts), only faster.
      const update = (this.ops === 'fast' ? adamwStepF32 : adamwStep) as (
        p: T,
        g: T,
        m: T,
        v: T,
        t: number,
        o: AdamWOptions,
      ) => void;
      update(
        this.#param(s.name),
        grads[s.name]!.data,
        state.m[s.name]!,
        state.v[s.name]!,
        t,
        decays(s) ? adam : { ...adam, weightDecay: 0 },
      );
    }
    state.step = t;
    return { gradNorm: clip.norm, clipScale: clip.scale };
  }
}
