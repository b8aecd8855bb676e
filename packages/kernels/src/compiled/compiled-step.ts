/**
 * Runs the recorded training graphs (train-graph.ts) on ONNX Runtime:
 * - a PG-loss step: one session call per micro-batch for forward, loss gradient and backward
 *   (`buildStepGraph`), returning the rows' logprobs and entropies and every parameter's gradient;
 * - a forward alone (logits, target logprobs and entropies, and — only when a backward from caller-given
 *   d loss/d logits may follow — the activations), and that backward.
 * Parameters are fed as tensors over the caller's Float32Arrays (no copy). ONNX Runtime's node binding
 * copies every fetched output into a new buffer, so a run fetches only what its caller reads.
 */
import type * as ort from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import { parameterSpecs, type DecoderConfig, type OnnxModel, type ParameterSpec } from '@rlvr/core';
import { createOrtSession, type OrtThreading } from '../ort/ort-session.js';
import { positionsFromMask, ropeTables } from '../rope/rope.shared.js';
import type { DecoderTensors } from '../decoder/types.js';
import {
  type BackwardSeed,
  type GradientOutputs,
  TRAIN_GRAPH_IO,
  buildStepGraph,
  buildTrainGraphs,
  gradientOutput,
} from './train-graph.js';
import { type LossGraphVariant, lossVariantKey } from './loss-graph.js';
import { embeddingBackwardInto } from '../embedding/embedding.cpu.js';

/** What a forward fetches: each row's logprob and entropy, or also the logits and the backward's activations. */
export type ForwardFetch = 'rows' | 'all';

/** One forward's results: what callers read, and the feeds and outputs its backward reuses. */
export interface CompiledForward {
  fetched: ForwardFetch;
  /** [batch·seq, vocab] (fetched `all` only). */
  logits?: Float32Array;
  /** [batch·seq]: log-softmax of logits / T at each row's target, and the row's entropy. */
  logprob: Float32Array;
  entropy: Float32Array;
  /** Inputs and outputs by graph name, fed to the backward. */
  values: Record<string, ort.Tensor>;
  /** The micro-batch it ran on. */
  micro: MicroBatch;
}

/** A micro-batch as the graphs read it (checked by the caller). */
export interface MicroBatch {
  /** Token ids and attention mask [batch, seq] (1 = token, 0 = padding). */
  ids: Int32Array;
  mask: Int32Array;
  batch: number;
  seq: number;
  /** [batch·seq]: each row's target token for the log-softmax gather. */
  targets: Int32Array;
  /** Logits are divided by this before the log-softmax. */
  temperature: number;
}

/** A session whose outputs make every parameter's gradient, and how. */
interface GradientSession {
  session: ort.InferenceSession;
  gradients: GradientOutputs;
}

/** One PG-loss step's results. */
export interface CompiledStep {
  /** [batch·seq] each row's logprob at its target and entropy (logits / T). */
  logprob: Float32Array;
  entropy: Float32Array;
  gradients: DecoderTensors<Float32Array>;
}

/** Sessions of the two graphs (the backward per upstream-gradient mode, created on first use). */
export class CompiledTrainStep {
  readonly config: DecoderConfig;
  readonly #specs: ParameterSpec[];
  readonly #threading: OrtThreading;
  readonly #forward: ort.InferenceSession;
  /** The sessions that produce gradients (backward graphs, step graphs), created on first use. */
  readonly #gradientSessions = new Map<string, Promise<GradientSession>>();

  private constructor(config: DecoderConfig, threading: OrtThreading, forward: ort.InferenceSession) {
    this.config = config;
    this.#specs = parameterSpecs(config);
    this.#threading = threading;
    this.#forward = forward;
  }

  /** Record and load the forward graph (the backward graphs load on first use). */
  static async create(config: DecoderConfig, threading: OrtThreading): Promise<CompiledTrainStep> {
    const graphs = await buildTrainGraphs(config, 'logprob');
    return new CompiledTrainStep(config, threading, await createOrtSession(graphs.forward, threading));
  }

  /**
   * Forward of micro-batch `m` under `params`: the logprob and entropy of each row at its target, and
   * with `all` the logits and the activations a backward reads.
   */
  async forward(
    params: DecoderTensors<Float32Array>,
    m: MicroBatch,
    fetch: ForwardFetch = 'all',
  ): Promise<CompiledForward> {
    const io = TRAIN_GRAPH_IO;
    const feeds = this.#feeds(params, m);
    const out = await this.#forward.run(feeds, fetch === 'all' ? this.#forward.outputNames : [io.logprob, io.entropy]);
    return {
      fetched: fetch,
      ...(fetch === 'all' ? { logits: out[io.logits]!.data as Float32Array } : {}),
      logprob: out[io.logprob]!.data as Float32Array,
      entropy: out[io.entropy]!.data as Float32Array,
      values: { ...feeds, ...out },
      micro: m,
    };
  }

  /**
   * One PG-loss step of a micro-batch in one session call: forward, the loss gradient of `variant` fed
   * with `lossInputs` (LOSS_GRAPH_IO names: [batch·seq] arrays and scalars) and the backward.
   */
  async step(
    params: DecoderTensors<Float32Array>,
    m: MicroBatch,
    variant: LossGraphVariant,
    lossInputs: Record<string, Float32Array | number>,
  ): Promise<CompiledStep> {
    const key = lossVariantKey(variant);
    const { session: s, gradients } = await this.#gradientSession(`step.${key}`, () =>
      buildStepGraph(this.config, variant),
    );
    const feeds = this.#feeds(params, m);
    for (const name of s.inputNames) {
      if (name in feeds) continue;
      const value = lossInputs[name];
      if (value === undefined) throw new Error(`compiled step: loss input ${name} missing`);
      feeds[name] =
        typeof value === 'number'
          ? new Tensor('float32', Float32Array.of(value), [])
          : new Tensor('float32', value, [value.length]);
    }
    const out = await s.run(feeds);
    return {
      logprob: out[TRAIN_GRAPH_IO.logprob]!.data as Float32Array,
      entropy: out[TRAIN_GRAPH_IO.entropy]!.data as Float32Array,
      gradients: this.#gradients(out, gradients, m),
    };
  }

  /** Every parameter's gradient of the loss whose d loss/d logprob and d loss/d entropy per row are given. */
  async backwardFromLogprob(
    f: CompiledForward,
    gradLogprob: Float32Array,
    gradEntropy: Float32Array,
  ): Promise<DecoderTensors<Float32Array>> {
    const n = f.micro.batch * f.micro.seq;
    // Without an entropy bonus the backward graph skips the entropy term's [tokens, vocab] passes.
    const seed: BackwardSeed = gradEntropy.some((g) => g !== 0) ? 'logprob-entropy' : 'logprob';
    return await this.#runBackward(seed, f, {
      [TRAIN_GRAPH_IO.gradLogprob]: new Tensor('float32', gradLogprob, [n]),
      [TRAIN_GRAPH_IO.gradEntropy]: new Tensor('float32', gradEntropy, [n]),
    });
  }

  /** Every parameter's gradient of a loss whose d loss/d logits [batch·seq, vocab] is given (after an `all` forward). */
  async backwardFromLogits(f: CompiledForward, gradLogits: Float32Array): Promise<DecoderTensors<Float32Array>> {
    return await this.#runBackward('logits', f, {
      [TRAIN_GRAPH_IO.gradLogits]: new Tensor('float32', gradLogits, [
        f.micro.batch * f.micro.seq,
        this.config.vocabSize,
      ]),
    });
  }

  /** Release the sessions. */
  async dispose(): Promise<void> {
    await this.#forward.release();
    for (const s of this.#gradientSessions.values()) await (await s).session.release();
  }

  async #runBackward(
    seed: BackwardSeed,
    f: CompiledForward,
    seedFeeds: Record<string, ort.Tensor>,
  ): Promise<DecoderTensors<Float32Array>> {
    if (f.fetched !== 'all') throw new Error('compiled step: a backward needs a forward that fetched its activations');
    const { session: s, gradients } = await this.#gradientSession(`backward.${seed}`, async () => {
      const g = await buildTrainGraphs(this.config, seed);
      return { model: g.backward, gradients: g.gradients };
    });
    const all = { ...f.values, ...seedFeeds };
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of s.inputNames) feeds[name] = all[name]!;
    return this.#gradients(await s.run(feeds), gradients, f.micro);
  }

  /** The gradient session named `key`, recorded by `build` and loaded on first use. */
  #gradientSession(
    key: string,
    build: () => Promise<{ model: OnnxModel; gradients: GradientOutputs }>,
  ): Promise<GradientSession> {
    let session = this.#gradientSessions.get(key);
    if (!session) {
      session = build().then(async (g) => ({
        session: await createOrtSession(g.model, this.#threading),
        gradients: g.gradients,
      }));
      this.#gradientSessions.set(key, session);
    }
    return session;
  }

  /**
   * Every parameter's gradient from a run's outputs: its dense output (zeros when it has none) plus its
   * row contributions, added here in a fixed order (see RowGradient for why not in the graph).
   */
  #gradients(out: Record<string, ort.Tensor>, layout: GradientOutputs, m: MicroBatch): DecoderTensors<Float32Array> {
    const grads: DecoderTensors<Float32Array> = {};
    for (const spec of this.#specs) {
      const data = layout.dense.has(spec.name)
        ? (out[gradientOutput(spec.name)]!.data as Float32Array)
        : new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
      grads[spec.name] = { shape: [...spec.shape], data };
    }
    for (const r of layout.rows) {
      const ids = r.rows === 'ids' ? m.ids : m.targets;
      embeddingBackwardInto(out[r.output]!.data as Float32Array, ids, this.config.hiddenSize, grads[r.parameter]!.data);
    }
    return grads;
  }

  /** The inputs every graph reads: ids, mask, RoPE tables, targets, 1 / temperature and the parameters. */
  #feeds(params: DecoderTensors<Float32Array>, m: MicroBatch): Record<string, ort.Tensor> {
    const io = TRAIN_GRAPH_IO;
    const { batch, seq } = m;
    const { cos, sin } = this.#ropeTables(m.mask, batch, seq);
    const int64 = (values: Int32Array, dims: number[]): ort.Tensor =>
      new Tensor(
        'int64',
        BigInt64Array.from(values, (v) => BigInt(v)),
        dims,
      );
    const feeds: Record<string, ort.Tensor> = {
      [io.ids]: int64(m.ids, [batch, seq]),
      [io.mask]: int64(m.mask, [batch, seq]),
      [io.cos]: new Tensor('float32', cos, [batch, seq, 1, this.config.headDim]),
      [io.sin]: new Tensor('float32', sin, [batch, seq, 1, this.config.headDim]),
      [io.targets]: int64(m.targets, [batch * seq]),
      [io.invTemperature]: new Tensor('float32', Float32Array.of(1 / m.temperature), []),
    };
    for (const s of this.#specs) feeds[s.name] = new Tensor('float32', params[s.name]!.data, s.shape);
    return feeds;
  }

  /** cos/sin [batch, seq, 1, headDim] of each token's RoPE angles (positions from the mask, as the CPU model). */
  #ropeTables(mask: Int32Array, batch: number, seq: number): { cos: Float32Array; sin: Float32Array } {
    const D = this.config.headDim;
    const half = D / 2;
    const t = ropeTables(positionsFromMask(mask, batch, seq), this.config);
    const n = batch * seq;
    const cos = new Float32Array(n * D);
    const sin = new Float32Array(n * D);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < half; j++) {
        cos[r * D + j] = cos[r * D + j + half] = t.cos[r * half + j]!;
        sin[r * D + j] = sin[r * D + j + half] = t.sin[r * half + j]!;
      }
    }
    return { cos, sin };
  }
}
