/**
 * The decoder chain's ops on the fast f32 CPU ops (each op folder's `<op>.cpu.ts`): activations live in pooled
 * buffers keyed by site (same shapes ⇒ no allocation, page faults or GC per step), matrix products and
 * attention's batched products run on the engine, RoPE is applied while attention stacks q and k, and
 * each Linear's dW is written by the engine straight into its gradient. Same maths as
 * {@link ReferenceChainOps}, so results agree to f32 rounding. {@link FastChainMemory} trades compute for
 * memory: checkpointed blocks share one set of buffers and re-run their forward before their backward,
 * and attention can recompute its probabilities instead of keeping them.
 */
import {
  ChainSiteMap,
  chainSiteKey,
  type ChainSite,
  type DecoderBackwardOps,
  type DecoderConfig,
  type DecoderForwardOps,
  type LinearParameters,
  decoderBlockForward,
} from '@rlvr/core';
import {
  type AttentionProbs,
  type AttentionWorkspace,
  attentionProbsLength,
  fastAttentionBackward,
  fastAttentionForward,
  stackedQkvLengths,
  type StackedQkv,
} from '../attention/attention.cpu.js';
import { addBiasRows, columnSumsInto } from '../bias/bias.cpu.js';
import { addInto } from '../residual/residual.cpu.js';
import { embeddingBackwardInto, embeddingForwardInto } from '../embedding/embedding.cpu.js';
import { rmsNormBackwardInto, rmsNormForwardInto } from '../rmsnorm/rmsnorm.cpu.js';
import { swigluBackwardInto, swigluForwardInto } from '../swiglu/swiglu.cpu.js';
import { ropeTables } from '../rope/rope.shared.js';
import type { MatmulEngine } from './matmul-engine.js';
import type { ChainBatch, DecoderTensors } from './types.js';

/** What one site's forward keeps for its backward. */
interface Saved {
  /** The op's input(s): a Linear's or a norm's x; attention's q, k, v; SwiGLU's gate and up. */
  inputs: Float32Array[];
  /** RMSNorm's reciprocal RMS per row. */
  rstd?: Float64Array;
  /** σ(gate), so the SwiGLU backward needs no exp. */
  sig?: Float64Array;
  /** Attention's probabilities (or how to recompute them) and its stacked (rotated) q, k, v. */
  probs?: AttentionProbs;
  stacked?: StackedQkv;
}

/** How a {@link FastChainOps} keeps what its backward reads. */
export interface FastChainMemory {
  /**
   * Whether block `layer` keeps only its input: its other activations go to buffers shared by every
   * such block, so its forward must be re-run (on the same ops) right before its backward.
   */
  checkpointed(layer: number): boolean;
  /** Whether attention drops its probabilities (recomputed in the backward, one entry at a time). */
  recomputeAttention: boolean;
}

/**
 * Pool key of a Linear backward's dx: shared across blocks (a block's dx is dead before the previous
 * block runs) but distinct where several are alive at once (dn2 with up's share, dn1 with k's and v's).
 */
const LINEAR_DX_KEY: Partial<Record<ChainSite['value'], string>> = {
  logits: 'd:nf',
  down: 'd:h',
  gate: 'd:n2',
  up: 'd:n2b',
  o: 'd:o',
  q: 'd:n1',
  k: 'd:n1k',
  v: 'd:n1v',
};

/** Fast ops for one batch: run {@link decoderForward} with them, then {@link decoderBackward} on the same object. */
export class FastChainOps implements DecoderForwardOps<Float32Array>, DecoderBackwardOps<Float32Array> {
  readonly #saved = new ChainSiteMap<Saved>();
  readonly #rows: number;
  readonly #attention: { batch: number; seq: number; numHeads: number; numKvHeads: number; headDim: number };
  /** One RoPE table for q, k and both backwards. */
  readonly #rope: { cos: Float64Array; sin: Float64Array };
  #grads: DecoderTensors<Float32Array> | undefined;
  #accumulate = false;
  /** The ops a checkpointed block's forward re-runs on: these, or a wrapper of them (LoRA's). */
  blockForwardOps: DecoderForwardOps<Float32Array> = this;

  /**
   * `pool` holds activations across calls of one model; `workspace` is attention's scratch. Logits are
   * fresh arrays (a caller may keep them across calls).
   */
  constructor(
    private readonly config: DecoderConfig,
    private readonly params: DecoderTensors<Float32Array>,
    private readonly engine: MatmulEngine<Float32Array>,
    private readonly batch: ChainBatch,
    private readonly pool: AttentionWorkspace,
    private readonly workspace: AttentionWorkspace,
    private readonly memory: FastChainMemory = { checkpointed: () => false, recomputeAttention: false },
  ) {
    this.#rows = batch.batch * batch.seq;
    this.#attention = {
      batch: batch.batch,
      seq: batch.seq,
      numHeads: config.numAttentionHeads,
      numKvHeads: config.numKeyValueHeads,
      headDim: config.headDim,
    };
    this.#rope = ropeTables(batch.positions, config);
  }

  /**
   * `grads` become the backward's outputs: everything is added to them, except that each Linear's dW
   * is written when not `accumulate` (its one use per step; the caller zeroed the rest).
   */
  startBackward(grads: DecoderTensors<Float32Array>, accumulate = false): void {
    this.#grads = grads;
    this.#accumulate = accumulate;
  }

  /**
   * Pool key of value `name` of `site`'s block: its own for a kept block, one shared by every
   * checkpointed block (only one of them is alive at a time).
   */
  #key(site: ChainSite, name: string): string {
    return `${this.memory.checkpointed(site.layer) ? 'ck' : site.layer}.${name}`;
  }

  /** Pool key of the output buffer of a Linear's forward; `a` (o_proj's output) is added at once. */
  #linearOutputKey(site: ChainSite): string {
    if (site.value === 'o') return 'a';
    // down_proj's output becomes the next block's input (the residual sum is written over it), which a
    // checkpointed block keeps too.
    if (site.value === 'down') return `${site.layer + 1}.x`;
    return this.#key(site, site.value);
  }

  #p(name: string): Float32Array {
    return this.params[name]!.data;
  }

  /** The gradient of `name`, or undefined for a frozen parameter (absent from the set: LoRA's base weights). */
  #g(name: string): Float32Array | undefined {
    return this.#grads![name]?.data;
  }

  /** A norm gain's gradient, or scratch for a frozen gain (its backward computes dx and dweight together). */
  #gainGrad(weight: string, length: number): Float32Array {
    return this.#g(weight) ?? this.pool.get('frozenGain', length).fill(0);
  }

  embed(weight: string): Float32Array {
    const x = this.pool.get('x0', this.#rows * this.config.hiddenSize);
    embeddingForwardInto(this.#p(weight), this.batch.ids, this.config.hiddenSize, x);
    return x;
  }

  rmsNorm(x: Float32Array, weight: string, site: ChainSite): Float32Array {
    const key = site.value === 'final' ? 'nFinal' : this.#key(site, site.value);
    return this.#norm(x, weight, this.#rows, this.config.hiddenSize, key, site);
  }

  headNorm(x: Float32Array, weight: string, heads: number, site: ChainSite): Float32Array {
    return this.#norm(x, weight, this.#rows * heads, this.config.headDim, this.#key(site, site.value), site);
  }

  #norm(x: Float32Array, weight: string, rows: number, hidden: number, key: string, site: ChainSite): Float32Array {
    const y = this.pool.get(key, rows * hidden);
    const rstd = new Float64Array(rows);
    rmsNormForwardInto(x, this.#p(weight), rows, hidden, this.config.rmsNormEps, y, rstd);
    this.#saved.set(site, { inputs: [x], rstd });
    return y;
  }

  async linear(x: Float32Array, p: LinearParameters, site: ChainSite): Promise<Float32Array> {
    this.#saved.set(site, { inputs: [x] });
    const out = site.value === 'logits' ? undefined : this.pool.get(this.#linearOutputKey(site), this.#rows * p.out);
    const y = await this.engine.matmul(x, this.#p(p.weight), { m: this.#rows, n: p.out, k: p.in, transB: true }, out);
    if (p.bias !== null) addBiasRows(y, this.#p(p.bias));
    return y;
  }

  async attention(q: Float32Array, k: Float32Array, v: Float32Array, site: ChainSite): Promise<Float32Array> {
    const d = this.#attention;
    const P = (name: string, len: number): Float32Array => this.pool.get(this.#key(site, name), len);
    const o = P('o', this.#rows * d.numHeads * d.headDim);
    const probs = this.memory.recomputeAttention ? null : P('probs', attentionProbsLength(d));
    const len = stackedQkvLengths(d);
    const stacked = { q: P('qs', len.q), k: P('ks', len.k), v: P('vs', len.v) };
    // q and k arrive un-rotated: RoPE is applied while attention stacks them (one pass, not two).
    await fastAttentionForward(this.engine, q, k, v, this.batch.mask, d, this.workspace, o, probs, {
      rope: this.#rope,
      stacked,
    });
    this.#saved.set(site, { inputs: [q, k, v], probs: probs ?? { recomputeWithMask: this.batch.mask }, stacked });
    return o;
  }

  residual(a: Float32Array, b: Float32Array, site: ChainSite): Float32Array {
    // After the MLP, b (down_proj's output, the next block's pooled input) takes the sum in place.
    const out = site.value === 'x2' ? b : this.pool.get(this.#key(site, site.value), a.length);
    addInto(a, b, out);
    return out;
  }

  async swiglu(gate: Float32Array, up: Float32Array, site: ChainSite): Promise<Float32Array> {
    const h = this.pool.get(this.#key(site, site.value), gate.length);
    const sig = this.pool.get64(this.#key(site, 'sig'), gate.length);
    // e^gate through the engine (ORT's vectorised Exp) when it has one; else the JS op's Math.exp.
    const expGate = this.engine.exp ? await this.engine.exp(gate, this.pool.get('expGate', gate.length)) : undefined;
    swigluForwardInto(gate, up, h, sig, expGate);
    this.#saved.set(site, { inputs: [gate, up], sig });
    return h;
  }

  async linearBackward(dy: Float32Array, p: LinearParameters, site: ChainSite): Promise<Float32Array> {
    const [x] = this.#saved.get(site).inputs as [Float32Array];
    // Every Linear weight has one use per step, so dW is written, not added, unless gradients
    // accumulate over micro-batches; the tied embedding's scatter-add comes after its LM-head product.
    const dW = this.#g(p.weight);
    const shape = { m: p.out, n: p.in, k: this.#rows, transA: true };
    // A frozen weight (LoRA's base) skips its weight-gradient product; dx still flows through it.
    if (dW && !this.#accumulate) await this.engine.matmul(dy, x, shape, dW);
    else if (dW) addInto(dW, await this.engine.matmul(dy, x, shape, this.pool.get('dW', dW.length)), dW);
    const db = p.bias === null ? undefined : this.#g(p.bias);
    if (db) columnSumsInto(dy, p.out, db);
    const key = LINEAR_DX_KEY[site.value];
    if (key === undefined) throw new Error(`decoder chain: no Linear at ${chainSiteKey(site)}`);
    return this.engine.matmul(
      dy,
      this.#p(p.weight),
      { m: this.#rows, n: p.in, k: p.out },
      this.pool.get(key, this.#rows * p.in),
    );
  }

  rmsNormBackward(dy: Float32Array, weight: string, site: ChainSite, residual: Float32Array | null): Float32Array {
    const saved = this.#saved.get(site);
    const hidden = this.config.hiddenSize;
    // The residual stream's gradient is updated in place by each block's norms.
    const dx = residual ?? this.pool.get('dx', this.#rows * hidden);
    rmsNormBackwardInto(
      dy,
      saved.inputs[0]!,
      this.#p(weight),
      saved.rstd!,
      this.#rows,
      hidden,
      dx,
      this.#gainGrad(weight, hidden),
      residual !== null,
    );
    return dx;
  }

  headNormBackward(dy: Float32Array, weight: string, heads: number, site: ChainSite): Float32Array {
    const saved = this.#saved.get(site);
    const dx = this.pool.get(`d:${site.value}`, dy.length);
    rmsNormBackwardInto(
      dy,
      saved.inputs[0]!,
      this.#p(weight),
      saved.rstd!,
      this.#rows * heads,
      this.config.headDim,
      dx,
      this.#gainGrad(weight, this.config.headDim),
    );
    return dx;
  }

  async attentionBackward(dOut: Float32Array, site: ChainSite): Promise<[Float32Array, Float32Array, Float32Array]> {
    const saved = this.#saved.get(site);
    const [q, k, v] = saved.inputs as [Float32Array, Float32Array, Float32Array];
    const dq = this.pool.get('dq', q.length);
    const dk = this.pool.get('dk', k.length);
    const dv = this.pool.get('dv', v.length);
    // dq, dk come out rotated back (RoPE's transpose fused into attention's scatter).
    await fastAttentionBackward(this.engine, dOut, q, k, v, saved.probs!, this.#attention, this.workspace, dq, dk, dv, {
      rope: this.#rope,
      stacked: saved.stacked!,
    });
    return [dq, dk, dv];
  }

  /**
   * The hook to pass {@link decoderBackwardFromHidden}: re-runs block `layer`'s forward when it is
   * checkpointed, from its kept input (the input its first norm saved), so its backward finds its
   * activations in the shared buffers.
   */
  readonly beforeBlockBackward = async (layer: number): Promise<void> => {
    if (!this.memory.checkpointed(layer)) return;
    const [x] = this.#saved.get({ layer, value: 'n1' }).inputs as [Float32Array];
    await decoderBlockForward(this.config, this.blockForwardOps, layer, x);
  };

  swigluBackward(dh: Float32Array, site: ChainSite): [Float32Array, Float32Array] {
    const saved = this.#saved.get(site);
    const [gate, up] = saved.inputs as [Float32Array, Float32Array];
    const dgate = this.pool.get('dgate', dh.length);
    const dup = this.pool.get('dup', dh.length);
    swigluBackwardInto(dh, gate, up, dgate, dup, saved.sig);
    return [dgate, dup];
  }

  addGradients(a: Float32Array, b: Float32Array): Float32Array {
    addInto(a, b, a);
    return a;
  }

  embedBackward(dx: Float32Array, weight: string): void {
    // Tied: the LM head's dW is already in the embedding's gradient; the scatter-add accumulates onto it.
    const gw = this.#g(weight);
    if (gw) embeddingBackwardInto(dx, this.batch.ids, this.config.hiddenSize, gw);
  }
}
