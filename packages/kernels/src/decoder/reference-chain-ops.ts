/**
 * The decoder chain's ops composed from the plain CPU references (ground truth; the only op set for
 * f64 models): every op allocates its output and saves its inputs by site for the backward. Matrix
 * products go through the model's {@link MatmulEngine}; everything else accumulates in f64.
 */
import {
  ChainSiteMap,
  type ChainSite,
  type DecoderBackwardOps,
  type DecoderConfig,
  type DecoderForwardOps,
  type LinearParameters,
} from '@rlvr/core';
import type { Floats } from '../arrays.js';
import { attentionBackward, attentionForward } from '../attention/attention.reference.js';
import type { AttentionDims } from '../attention/attention.shared.js';
import { biasAddForward, biasGrad } from '../bias/bias.reference.js';
import { embeddingBackward, embeddingForward } from '../embedding/embedding.reference.js';
import { residualAddForward, residualAddInto } from '../residual/residual.reference.js';
import { rmsNormBackward, rmsNormForward } from '../rmsnorm/rmsnorm.reference.js';
import { ropeBackward, ropeForward } from '../rope/rope.reference.js';
import type { RopeDims } from '../rope/rope.shared.js';
import { swigluBackward, swigluForward } from '../swiglu/swiglu.reference.js';
import type { ChainBatch, DecoderTensors } from './types.js';
import type { MatmulEngine } from './matmul-engine.js';

/** Reference ops for one batch: run {@link decoderForward} with them, then {@link decoderBackward} on the same object. */
export class ReferenceChainOps<T extends Floats> implements DecoderForwardOps<T>, DecoderBackwardOps<T> {
  /** Inputs each op saved for its backward, by site key. */
  readonly #saved = new ChainSiteMap<T[]>();
  readonly #attention: AttentionDims;
  readonly #rows: number;
  /** Parameter gradients the backward ops accumulate into (set by {@link ReferenceChainOps.startBackward}). */
  #grads: DecoderTensors<T> | undefined;

  constructor(
    private readonly config: DecoderConfig,
    private readonly params: DecoderTensors<T>,
    private readonly engine: MatmulEngine<T>,
    private readonly batch: ChainBatch,
  ) {
    this.#rows = batch.batch * batch.seq;
    this.#attention = {
      batch: batch.batch,
      seq: batch.seq,
      numHeads: config.numAttentionHeads,
      numKvHeads: config.numKeyValueHeads,
      headDim: config.headDim,
    };
  }

  /** Zeroed gradients become the backward's accumulators. */
  startBackward(grads: DecoderTensors<T>): void {
    this.#grads = grads;
  }

  #p(name: string): T {
    return this.params[name]!.data;
  }

  /** The gradient of `name`, or undefined for a frozen parameter (absent from the set: LoRA's base weights). */
  #g(name: string): T | undefined {
    return this.#grads![name]?.data;
  }

  #save(site: ChainSite, ...values: T[]): void {
    this.#saved.set(site, values);
  }

  #norm(rows: number, hidden: number): { rows: number; hidden: number; eps: number } {
    return { rows, hidden, eps: this.config.rmsNormEps };
  }

  #rope(heads: number): RopeDims {
    return { tokens: this.#rows, rope: this.config, heads };
  }

  embed(weight: string): T {
    return embeddingForward(this.#p(weight), this.batch.ids, {
      vocab: this.config.vocabSize,
      hidden: this.config.hiddenSize,
    });
  }

  rmsNorm(x: T, weight: string, site: ChainSite): T {
    this.#save(site, x);
    return rmsNormForward(x, this.#p(weight), this.#norm(this.#rows, this.config.hiddenSize)).y;
  }

  headNorm(x: T, weight: string, heads: number, site: ChainSite): T {
    this.#save(site, x);
    return rmsNormForward(x, this.#p(weight), this.#norm(this.#rows * heads, this.config.headDim)).y;
  }

  async linear(x: T, p: LinearParameters, site: ChainSite): Promise<T> {
    this.#save(site, x);
    const y = await this.engine.matmul(x, this.#p(p.weight), { m: this.#rows, n: p.out, k: p.in, transB: true });
    return p.bias === null ? y : biasAddForward(y, this.#p(p.bias));
  }

  attention(q: T, k: T, v: T, site: ChainSite): T {
    const c = this.config;
    const qRotated = ropeForward(q, this.batch.positions, this.#rope(c.numAttentionHeads));
    const kRotated = ropeForward(k, this.batch.positions, this.#rope(c.numKeyValueHeads));
    this.#save(site, qRotated, kRotated, v);
    return attentionForward(qRotated, kRotated, v, this.batch.mask, this.#attention).o;
  }

  residual(a: T, b: T): T {
    return residualAddForward(a, b);
  }

  swiglu(gate: T, up: T, site: ChainSite): T {
    this.#save(site, gate, up);
    return swigluForward(gate, up);
  }

  async linearBackward(dy: T, p: LinearParameters, site: ChainSite): Promise<T> {
    const [x] = this.#saved.get(site) as [T];
    const gw = this.#g(p.weight);
    // A frozen weight skips its weight-gradient product; dx still flows through it.
    if (gw) residualAddInto(gw, await this.engine.matmul(dy, x, { m: p.out, n: p.in, k: this.#rows, transA: true }));
    const gb = p.bias === null ? undefined : this.#g(p.bias);
    if (gb) residualAddInto(gb, biasGrad(dy, p.out));
    return this.engine.matmul(dy, this.#p(p.weight), { m: this.#rows, n: p.in, k: p.out });
  }

  rmsNormBackward(dy: T, weight: string, site: ChainSite, residual: T | null): T {
    const [x] = this.#saved.get(site) as [T];
    const r = rmsNormBackward(dy, x, this.#p(weight), this.#norm(this.#rows, this.config.hiddenSize));
    const gw = this.#g(weight);
    if (gw) residualAddInto(gw, r.dweight);
    if (residual === null) return r.dx;
    residualAddInto(residual, r.dx);
    return residual;
  }

  headNormBackward(dy: T, weight: string, heads: number, site: ChainSite): T {
    const [x] = this.#saved.get(site) as [T];
    const r = rmsNormBackward(dy, x, this.#p(weight), this.#norm(this.#rows * heads, this.config.headDim));
    const gw = this.#g(weight);
    if (gw) residualAddInto(gw, r.dweight);
    return r.dx;
  }

  attentionBackward(dOut: T, site: ChainSite): [T, T, T] {
    const c = this.config;
    const [q, k, v] = this.#saved.get(site) as [T, T, T];
    const { dq, dk, dv } = attentionBackward(dOut, q, k, v, this.batch.mask, this.#attention);
    return [
      ropeBackward(dq, this.batch.positions, this.#rope(c.numAttentionHeads)),
      ropeBackward(dk, this.batch.positions, this.#rope(c.numKeyValueHeads)),
      dv,
    ];
  }

  swigluBackward(dh: T, site: ChainSite): [T, T] {
    const [gate, up] = this.#saved.get(site) as [T, T];
    const { dgate, dup } = swigluBackward(dh, gate, up);
    return [dgate, dup];
  }

  addGradients(a: T, b: T): T {
    residualAddInto(a, b);
    return a;
  }

  embedBackward(dx: T, weight: string): void {
    const gw = this.#g(weight);
    if (!gw) return;
    residualAddInto(
      gw,
      embeddingBackward(dx, this.batch.ids, { vocab: this.config.vocabSize, hidden: this.config.hiddenSize }),
    );
  }
}
