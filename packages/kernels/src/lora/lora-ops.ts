/**
 * The decoder chain's ops with LoRA on the wrapped Linears: every op is the inner op set's (reference
 * or fast), except that a wrapped Linear's output gains scale·(dropout(x)·Aᵀ)·Bᵀ, and its backward adds
 * dA, dB to the gradient set and the adapter path's share to dx. The inner ops see the base weights as
 * frozen (their gradient set has no entry for them), so they skip the weight-gradient products.
 *
 * With h = dropout(x)·Aᵀ [rows, r] and s the scale: dB = s·dyᵀ·h, dh = s·dy·B, dA = dhᵀ·dropout(x),
 * dx += dropout'(dh·A).
 */
import type { ChainSite, DecoderBackwardOps, DecoderForwardOps, LinearParameters } from '@rlvr/core';
import { ChainSiteMap } from '@rlvr/core';
import type { MatmulEngine } from '../decoder/matmul-engine.js';
import type { DecoderTensors } from '../decoder/types.js';
import type { LoraAdapters } from './lora-adapters.js';
import { applyDropoutMask, dropoutMask } from './lora-dropout.js';
import { LORA_MODULES } from './lora-spec.js';

/** An op set the LoRA ops wrap. */
export type InnerChainOps<T> = DecoderForwardOps<T> & DecoderBackwardOps<T>;

/** Forward-saved values of one wrapped Linear. */
interface LoraSaved<T> {
  /** dropout(x) (x itself without dropout). */
  xd: T;
  /** xd·Aᵀ [rows, r]. */
  h: T;
  /** The forward's dropout keep mask (null = no dropout). */
  mask: Uint8Array | null;
}

/** LoRA over an inner op set for one batch (see the module comment). */
export class LoraChainOps<T extends Float32Array | Float64Array> implements InnerChainOps<T> {
  readonly #saved = new ChainSiteMap<LoraSaved<T>>();
  #grads: DecoderTensors<T> | undefined;

  constructor(
    private readonly inner: InnerChainOps<T>,
    private readonly adapters: LoraAdapters<T>,
    private readonly engine: MatmulEngine<T>,
    private readonly rows: number,
  ) {}

  /** The gradient set the adapter gradients are added to (zeroed by the caller unless accumulating). */
  startBackward(grads: DecoderTensors<T>): void {
    this.#grads = grads;
  }

  /** Dropout salt of a site: one per (layer, module). */
  #salt(site: ChainSite): number {
    return site.layer * 16 + LORA_MODULES.findIndex((m) => m.startsWith(`${site.value}_`));
  }

  embed(weight: string, site: ChainSite): T | Promise<T> {
    return this.inner.embed(weight, site);
  }

  rmsNorm(x: T, weight: string, site: ChainSite): T | Promise<T> {
    return this.inner.rmsNorm(x, weight, site);
  }

  headNorm(x: T, weight: string, heads: number, site: ChainSite): T | Promise<T> {
    return this.inner.headNorm(x, weight, heads, site);
  }

  async linear(x: T, p: LinearParameters, site: ChainSite): Promise<T> {
    const y = await this.inner.linear(x, p, site);
    const t = this.adapters.enabled ? this.adapters.target(site.layer, site.value) : undefined;
    if (!t) return y;
    const r = this.adapters.settings.rank;
    const p0 = this.adapters.settings.dropout;
    const key = p0 > 0 ? this.adapters.dropoutKey : null;
    const mask = key === null ? null : dropoutMask(x.length, p0, key, this.#salt(site));
    const xd = mask === null ? x : applyDropoutMask(x, mask, p0);
    const a = this.adapters.params[t.a]!.data;
    const b = this.adapters.params[t.b]!.data;
    const h = (await this.engine.matmul(xd, a, { m: this.rows, n: r, k: p.in, transB: true })) as T;
    const delta = await this.engine.matmul(h, b, { m: this.rows, n: p.out, k: r, transB: true });
    const s = this.adapters.scale;
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + s * delta[i]!;
    this.#saved.set(site, { xd, h, mask });
    return y;
  }

  attention(q: T, k: T, v: T, site: ChainSite): T | Promise<T> {
    return this.inner.attention(q, k, v, site);
  }

  residual(a: T, b: T, site: ChainSite): T | Promise<T> {
    return this.inner.residual(a, b, site);
  }

  swiglu(gate: T, up: T, site: ChainSite): T | Promise<T> {
    return this.inner.swiglu(gate, up, site);
  }

  async linearBackward(dy: T, p: LinearParameters, site: ChainSite): Promise<T> {
    // A forward without the adapters saved nothing for them.
    const t = this.adapters.enabled ? this.adapters.target(site.layer, site.value) : undefined;
    if (!t) return this.inner.linearBackward(dy, p, site);
    // The adapter's products first: the inner backward may reuse dy's buffer for its result.
    const { xd, h, mask } = this.#saved.get(site);
    const r = this.adapters.settings.rank;
    const s = this.adapters.scale;
    const a = this.adapters.params[t.a]!.data;
    const b = this.adapters.params[t.b]!.data;
    const dB = await this.engine.matmul(dy, h, { m: p.out, n: r, k: this.rows, transA: true });
    const gB = this.#grads![t.b]!.data;
    for (let i = 0; i < gB.length; i++) gB[i] = gB[i]! + s * dB[i]!;
    const dh = await this.engine.matmul(dy, b, { m: this.rows, n: r, k: p.out });
    for (let i = 0; i < dh.length; i++) dh[i] = s * dh[i]!;
    const dA = await this.engine.matmul(dh, xd, { m: r, n: p.in, k: this.rows, transA: true });
    const gA = this.#grads![t.a]!.data;
    for (let i = 0; i < gA.length; i++) gA[i] = gA[i]! + dA[i]!;
    let dxd = (await this.engine.matmul(dh, a, { m: this.rows, n: p.in, k: r })) as T;
    if (mask !== null) dxd = applyDropoutMask(dxd, mask, this.adapters.settings.dropout, true);
    const dx = await this.inner.linearBackward(dy, p, site);
    for (let i = 0; i < dx.length; i++) dx[i] = dx[i]! + dxd[i]!;
    return dx;
  }

  rmsNormBackward(dy: T, weight: string, site: ChainSite, residual: T | null): T | Promise<T> {
    return this.inner.rmsNormBackward(dy, weight, site, residual);
  }

  headNormBackward(dy: T, weight: string, heads: number, site: ChainSite): T | Promise<T> {
    return this.inner.headNormBackward(dy, weight, heads, site);
  }

  attentionBackward(dOut: T, site: ChainSite): [T, T, T] | Promise<[T, T, T]> {
    return this.inner.attentionBackward(dOut, site);
  }

  swigluBackward(dh: T, site: ChainSite): [T, T] | Promise<[T, T]> {
    return this.inner.swigluBackward(dh, site);
  }

  addGradients(a: T, b: T, site: ChainSite): T | Promise<T> {
    return this.inner.addGradients(a, b, site);
  }

  embedBackward(dx: T, weight: string, site: ChainSite): void | Promise<void> {
    return this.inner.embedBackward(dx, weight, site);
  }
}
