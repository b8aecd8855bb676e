/**
 * Runs the recorded training graphs (train-graph.ts) on ONNX Runtime: one session call for a
 * micro-batch's forward (logits, target logprobs and entropies, the activations the backward reads) and
 * one for its backward (every parameter's gradient). Parameters are fed as tensors over the caller's
 * Float32Arrays (no copy); the forward's activation outputs are fed to the backward as they are.
 */
import type * as ort from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import { parameterSpecs, type DecoderConfig, type ParameterSpec } from '@rlvr/core';
import { createOrtSession, type OrtThreading } from '../ort/ort-session.js';
import { positionsFromMask, ropeTables } from '../rope/rope.shared.js';
import type { DecoderTensors } from '../decoder/types.js';
import { type BackwardSeed, TRAIN_GRAPH_IO, buildTrainGraphs, gradientOutput } from './train-graph.js';

/** One forward's results: what callers read, and the feeds and outputs its backward reuses. */
export interface CompiledForward {
  batch: number;
  seq: number;
  /** [batch·seq, vocab]. */
  logits: Float32Array;
  /** [batch·seq]: log-softmax of logits / T at each row's target, and the row's entropy. */
  logprob: Float32Array;
  entropy: Float32Array;
  /** Inputs and outputs by graph name, fed to the backward. */
  values: Record<string, ort.Tensor>;
}

/** Sessions of the two graphs (the backward per upstream-gradient mode, created on first use). */
export class CompiledTrainStep {
  readonly config: DecoderConfig;
  readonly #specs: ParameterSpec[];
  readonly #threading: OrtThreading;
  readonly #forward: ort.InferenceSession;
  readonly #backward = new Map<BackwardSeed, Promise<ort.InferenceSession>>();

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
   * Forward of ids and mask [batch, seq] (checked by the caller) under `params`: logits, and the
   * logprob and entropy of each row at `targets` [batch·seq] with logits divided by `temperature`.
   */
  async forward(
    params: DecoderTensors<Float32Array>,
    ids: Int32Array,
    mask: Int32Array,
    batch: number,
    seq: number,
    targets: Int32Array,
    temperature: number,
  ): Promise<CompiledForward> {
    const io = TRAIN_GRAPH_IO;
    const c = this.config;
    const { cos, sin } = this.#ropeTables(mask, batch, seq);
    const feeds: Record<string, ort.Tensor> = {
      [io.ids]: new Tensor(
        'int64',
        BigInt64Array.from(ids, (v) => BigInt(v)),
        [batch, seq],
      ),
      [io.mask]: new Tensor(
        'int64',
        BigInt64Array.from(mask, (v) => BigInt(v)),
        [batch, seq],
      ),
      [io.cos]: new Tensor('float32', cos, [batch, seq, 1, c.headDim]),
      [io.sin]: new Tensor('float32', sin, [batch, seq, 1, c.headDim]),
      [io.targets]: new Tensor(
        'int64',
        BigInt64Array.from(targets, (v) => BigInt(v)),
        [batch * seq],
      ),
      [io.invTemperature]: new Tensor('float32', Float32Array.of(1 / temperature), []),
    };
    for (const s of this.#specs) feeds[s.name] = new Tensor('float32', params[s.name]!.data, s.shape);
    const out = await this.#forward.run(feeds);
    return {
      batch,
      seq,
      logits: out[io.logits]!.data as Float32Array,
      logprob: out[io.logprob]!.data as Float32Array,
      entropy: out[io.entropy]!.data as Float32Array,
      values: { ...feeds, ...out },
    };
  }

  /** Every parameter's gradient of the loss whose d loss/d logprob and d loss/d entropy per row are given. */
  async backwardFromLogprob(
    f: CompiledForward,
    gradLogprob: Float32Array,
    gradEntropy: Float32Array,
  ): Promise<DecoderTensors<Float32Array>> {
    const n = f.batch * f.seq;
    // Without an entropy bonus the backward graph skips the entropy term's [tokens, vocab] passes.
    const seed: BackwardSeed = gradEntropy.some((g) => g !== 0) ? 'logprob-entropy' : 'logprob';
    return await this.#runBackward(seed, f, {
      [TRAIN_GRAPH_IO.gradLogprob]: new Tensor('float32', gradLogprob, [n]),
      [TRAIN_GRAPH_IO.gradEntropy]: new Tensor('float32', gradEntropy, [n]),
    });
  }

  /** Every parameter's gradient of a loss whose d loss/d logits [batch·seq, vocab] is given. */
  async backwardFromLogits(f: CompiledForward, gradLogits: Float32Array): Promise<DecoderTensors<Float32Array>> {
    return await this.#runBackward('logits', f, {
      [TRAIN_GRAPH_IO.gradLogits]: new Tensor('float32', gradLogits, [f.batch * f.seq, this.config.vocabSize]),
    });
  }

  /** Release the sessions. */
  async dispose(): Promise<void> {
    await this.#forward.release();
    for (const s of this.#backward.values()) await (await s).release();
  }

  async #runBackward(
    seed: BackwardSeed,
    f: CompiledForward,
    seedFeeds: Record<string, ort.Tensor>,
  ): Promise<DecoderTensors<Float32Array>> {
    let session = this.#backward.get(seed);
    if (!session) {
      session = buildTrainGraphs(this.config, seed).then((g) => createOrtSession(g.backward, this.#threading));
      this.#backward.set(seed, session);
    }
    const s = await session;
    const all = { ...f.values, ...seedFeeds };
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of s.inputNames) feeds[name] = all[name]!;
    const out = await s.run(feeds);
    const grads: DecoderTensors<Float32Array> = {};
    for (const spec of this.#specs) {
      grads[spec.name] = { shape: [...spec.shape], data: out[gradientOutput(spec.name)]!.data as Float32Array };
    }
    return grads;
  }

  /** cos/sin [batch, seq, 1, headDim] of each token's RoPE angles (positions from the mask, as the CPU model). */
  #ropeTables(mask: Int32Array, batch: number, seq: number): { cos: Float32Array; sin: Float32Array } {
    const D = this.config.headDim;
    const half = D / 2;
    const t = ropeTables(positionsFromMask(mask, batch, seq), D, this.config.ropeTheta);
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
