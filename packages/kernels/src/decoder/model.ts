/**
 * The Llama/Qwen2 decoder (DESIGN.md "The policy model") composed from the plain CPU references, with
 * its matrix products on an injectable {@link MatmulEngine}: embedding; N × [RMSNorm → q/k/v (+bias) →
 * RoPE → causal GQA attention with padding mask → o_proj (+bias) → residual; RMSNorm → SwiGLU MLP →
 * residual]; final RMSNorm; LM head (tied to the embedding or not).
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
 * Two op sets (option `ops` of {@link CpuDecoderModel.f32}): 'reference' composes the plain references
 * (ground truth; the only choice for f64), 'fast' uses src/cpu-ops (tight f32 loops, attention
 * products on the engine, gradients written in place) — same maths, so results agree to f32 rounding.
 */
import type { DecoderConfig, ParameterSpec } from '@rlvr/core';
import { parameterSpecs, validateWeights } from '@rlvr/core';
import type { NamedTensors } from '@rlvr/core';
import { type Floats, type Ints, allocLike } from '../reference/common.js';
import { adamwStep, type AdamWOptions } from '../reference/adamw.js';
import { clipGradNorm, globalGradNorm } from '../reference/grad-norm.js';
import { attentionBackward, attentionForward, type AttentionDims } from '../reference/attention.js';
import { embeddingBackward, embeddingForward } from '../reference/embedding.js';
import { logSoftmaxGatherForward } from '../reference/log-softmax-gather.js';
import { rmsNormBackward, rmsNormForward } from '../reference/rmsnorm.js';
import { positionsFromMask, ropeBackward, ropeForward, ropeTables } from '../reference/rope.js';
import { swigluBackward, swigluForward } from '../reference/swiglu.js';
import {
  AttentionWorkspace, addBiasRows, addInto as addIntoFast, attentionProbsLength, columnSumsInto, embeddingBackwardInto, embeddingForwardInto,
  adamwStepF32, fastAttentionBackward, fastAttentionForward, rmsNormBackwardInto, rmsNormForwardInto, stackedQkvLengths, swigluBackwardInto, swigluForwardInto,
  type StackedQkv,
} from '../cpu-ops/index.js';
import { type MatmulEngine, referenceMatmul } from './matmul-engine.js';
import { DecoderModelError } from './errors.js';
import { checkDecoderInputs } from './inputs.js';

/** One named tensor of kind T (Hugging Face name → shape and row-major data). */
export interface DecoderTensor<T extends Floats> {
  shape: number[];
  data: T;
}

/** Named tensors of kind T, keyed by Hugging Face parameter name. */
export type DecoderTensors<T extends Floats> = Record<string, DecoderTensor<T>>;

export { DecoderModelError } from './errors.js';

/** Per-parameter AdamW moments and the step counter, created by {@link CpuDecoderModel.createAdamWState}. */
export interface AdamWState<T extends Floats> {
  /** Steps taken so far (the next step uses t = step + 1). */
  step: number;
  /** First moments, one per parameter name. */
  m: Record<string, T>;
  /** Second moments, one per parameter name. */
  v: Record<string, T>;
}

/** Options of {@link CpuDecoderModel.step}: AdamW hyperparameters plus which parameters decay. */
export interface DecoderStepOptions extends AdamWOptions {
  /**
   * Apply weight decay to norms and biases too. Default false: HF Trainer's convention (decay only on
   * matrices), since decaying RMSNorm gains towards 0 shrinks activations for no regularising gain.
   */
  decayNormsAndBiases?: boolean;
  /**
   * Clip the global gradient L2 norm to this before the update (PyTorch's clip_grad_norm_, TRL/verl
   * `max_grad_norm`, in place on the gradients); undefined = no clipping (the norm is still reported).
   */
  maxGradNorm?: number;
}

/** What a decoder's optimizer step reports. */
export interface StepReport {
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** Factor the gradients were multiplied by (1 when not clipped). */
  clipScale: number;
}

/** Which op implementations a model composes: the plain references or the fast cpu ops (f32 only). */
export type DecoderOps = 'reference' | 'fast';

/** Options of {@link CpuDecoderModel.f32}. */
export interface DecoderF32Options {
  /** Op set; default 'fast' unless the engine is the reference one (then the all-reference path). */
  ops?: DecoderOps;
}

/** Extra saved state of the fast path (not recomputed in backward): attention probabilities and stacks, RMSNorm reciprocal RMS, SwiGLU σ. */
interface FastLayerCache {
  probs: Float32Array; rstd1: Float64Array; rstd2: Float64Array;
  /** σ(gate), saved so the SwiGLU backward needs no exp. */
  sig: Float64Array;
  /** q, k (rotated) and v in attention's stacked layout, saved so the backward need not re-stack them. */
  stacked: StackedQkv;
}

/** Activations of one block that the backward needs. */
interface LayerCache<T extends Floats> {
  x: T; n1: T; q: T; k: T; v: T; o: T; x1: T; n2: T; gate: T; up: T; h: T; fast?: FastLayerCache;
}

/** Everything a forward saves for its backward. */
interface ForwardCache<T extends Floats> {
  batch: number; seq: number; tokens: Int32Array; mask: Int32Array; positions: Int32Array;
  layers: LayerCache<T>[]; xFinal: T; nFinal: T;
  /** Fast path only: final-norm rstd and the RoPE tables of these positions. */
  fast?: { rstdFinal: Float64Array; cos: Float64Array; sin: Float64Array };
}

const EMBED = 'model.embed_tokens.weight';
const LM_HEAD = 'lm_head.weight';

/** Layer i's parameter name for `suffix`. */
function layerName(i: number, suffix: string): string {
  return `model.layers.${i}.${suffix}`;
}

/** Adds bias [n] to every row of y [rows, n] in place. */
function addBias(y: Floats, bias: Floats): void {
  const n = bias.length;
  for (let r = 0; r < y.length; r += n) for (let j = 0; j < n; j++) y[r + j] = y[r + j]! + bias[j]!;
}

/** Column sums of dy [rows, n]: the gradient of a bias, accumulated in f64. */
function columnSums<T extends Floats>(dy: T, n: number): T {
  const acc = new Float64Array(n);
  for (let r = 0; r < dy.length; r += n) for (let j = 0; j < n; j++) acc[j] = acc[j]! + dy[r + j]!;
  const out = allocLike(dy, n);
  out.set(acc);
  return out;
}

/** a += b element-wise, in place (gradient accumulation; one rounding per add). */
function addInto(a: Floats, b: Floats): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! + b[i]!;
}


/**
 * The decoder on the CPU: forward to logits, backward to named gradients, AdamW step. Build it with
 * {@link CpuDecoderModel.f32} or {@link CpuDecoderModel.f64}. Methods are async because the ORT
 * engine is; calls must not interleave (one forward's cache is kept for the next backward).
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
  private cache: ForwardCache<T> | undefined;
  private gradients: DecoderTensors<T> | undefined;

  private constructor(config: DecoderConfig, weights: Record<string, { shape: number[]; data: ArrayLike<number> }>, engine: MatmulEngine<T>, alloc: (n: number) => T, ops: DecoderOps) {
    // validateWeights only reads lengths and values, so a Float64Array-backed record checks the same way.
    validateWeights(config, weights as unknown as NamedTensors);
    this.config = config;
    this.engine = engine;
    this.alloc = alloc;
    this.ops = ops;
    // A tied checkpoint that also ships lm_head.weight (equal to the embedding, checked above) drops it.
    this.specs = parameterSpecs(config);
    for (const s of this.specs) {
      const src = weights[s.name]!;
      const data = alloc(src.data.length);
      data.set(src.data);
      this.params[s.name] = { shape: [...s.shape], data };
    }
  }

  /** A Float32 model (production); weights are copied, validated first (errors name the tensor); ops default as {@link DecoderF32Options}. */
  static f32(config: DecoderConfig, weights: Record<string, { shape: number[]; data: ArrayLike<number> }>, engine: MatmulEngine<Float32Array> = referenceMatmul, options: DecoderF32Options = {}): CpuDecoderModel<Float32Array> {
    // The reference engine means "ground truth" (and is too slow for the fast ops to matter), so it keeps the reference ops.
    const ops = options.ops ?? (engine.name === 'reference' ? 'reference' : 'fast');
    if (ops !== 'reference' && ops !== 'fast') throw new DecoderModelError(`ops: expected 'reference' or 'fast', got ${String(ops)}`);
    return new CpuDecoderModel<Float32Array>(config, weights, engine, (n) => new Float32Array(n), ops);
  }

  /** A Float64 model on the reference engine, for finite-difference checks; weights are copied. */
  static f64(config: DecoderConfig, weights: Record<string, { shape: number[]; data: ArrayLike<number> }>): CpuDecoderModel<Float64Array> {
    return new CpuDecoderModel<Float64Array>(config, weights, referenceMatmul, (n) => new Float64Array(n), 'reference');
  }

  /**
   * The live parameters by Hugging Face name — views, not copies: writing into them changes the
   * model (the FD check and a loader rely on that); copy with `data.slice()` to keep a snapshot.
   * Tied models have no `lm_head.weight` entry.
   */
  weights(): DecoderTensors<T> {
    return this.params;
  }

  private p(name: string): T {
    return this.params[name]!.data;
  }

  /** y [rows, out] = x [rows, in] · Wᵀ (+ bias): a PyTorch Linear with W [out, in]. */
  private async linear(x: T, name: string, bias: string | null, rows: number): Promise<T> {
    const [out, inp] = this.params[name]!.shape as [number, number];
    const y = await this.engine.matmul(x, this.p(name), { m: rows, n: out, k: inp, transB: true });
    if (bias) addBias(y, this.p(bias));
    return y;
  }

  /** Backward of a Linear: accumulates dW (and db) into `grads`, returns dx = dy·W. */
  private async linearBackward(dy: T, x: T, name: string, bias: string | null, rows: number, grads: DecoderTensors<T>): Promise<T> {
    const [out, inp] = this.params[name]!.shape as [number, number];
    const dw = await this.engine.matmul(dy, x, { m: out, n: inp, k: rows, transA: true });
    addInto(grads[name]!.data, dw);
    if (bias) addInto(grads[bias]!.data, columnSums(dy, out));
    return this.engine.matmul(dy, this.p(name), { m: rows, n: inp, k: out });
  }

  /** Logits [batch, seq, vocab] of tokens [batch, seq] under mask [batch, seq]; saves the activations for {@link backward}. */
  async forward(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<T> {
    const c = this.config;
    const { ids, mask: m } = checkDecoderInputs(c, tokens, mask, batch, seq);
    const n = batch * seq;
    const positions = positionsFromMask(m, batch, seq);
    if (this.ops === 'fast') return (await this.fastForward(ids, m, positions, batch, seq)) as T;
    const hidden = c.hiddenSize;
    const norm = { rows: n, hidden, eps: c.rmsNormEps };
    const attn: AttentionDims = { batch, seq, numHeads: c.numAttentionHeads, numKvHeads: c.numKeyValueHeads, headDim: c.headDim };
    const rope = { tokens: n, headDim: c.headDim, theta: c.ropeTheta };

    let x = embeddingForward(this.p(EMBED), ids, { vocab: c.vocabSize, hidden });
    const layers: LayerCache<T>[] = [];
    for (let i = 0; i < c.numHiddenLayers; i++) {
      const L = (s: string): string => layerName(i, s);
      const bias = (proj: string): string | null => (c.attentionBias ? L(`self_attn.${proj}_proj.bias`) : null);
      const n1 = rmsNormForward(x, this.p(L('input_layernorm.weight')), norm).y;
      const q = ropeForward(await this.linear(n1, L('self_attn.q_proj.weight'), bias('q'), n), positions, { ...rope, heads: c.numAttentionHeads });
      const k = ropeForward(await this.linear(n1, L('self_attn.k_proj.weight'), bias('k'), n), positions, { ...rope, heads: c.numKeyValueHeads });
      const v = await this.linear(n1, L('self_attn.v_proj.weight'), bias('v'), n);
      const o = attentionForward(q, k, v, m, attn).o;
      const a = await this.linear(o, L('self_attn.o_proj.weight'), c.oProjBias ? L('self_attn.o_proj.bias') : null, n);
      const x1 = x.slice() as T;
      addInto(x1, a);
      const n2 = rmsNormForward(x1, this.p(L('post_attention_layernorm.weight')), norm).y;
      const gate = await this.linear(n2, L('mlp.gate_proj.weight'), null, n);
      const up = await this.linear(n2, L('mlp.up_proj.weight'), null, n);
      const h = swigluForward(gate, up);
      const d = await this.linear(h, L('mlp.down_proj.weight'), null, n);
      layers.push({ x, n1, q, k, v, o, x1, n2, gate, up, h });
      x = x1.slice() as T;
      addInto(x, d);
    }
    const nFinal = rmsNormForward(x, this.p('model.norm.weight'), norm).y;
    const logits = await this.linear(nFinal, c.tieWordEmbeddings ? EMBED : LM_HEAD, null, n);
    this.cache = { batch, seq, tokens: ids, mask: m, positions, layers, xFinal: x, nFinal };
    return logits;
  }

  /**
   * Gradients of a scalar loss with respect to every parameter, given dloss/dlogits [batch, seq,
   * vocab] of the last forward; same names and shapes as {@link weights} (tied: the embedding's
   * gradient is the sum of its lookup and LM-head uses). Also kept for {@link step}.
   */
  async backward(dlogits: T): Promise<DecoderTensors<T>> {
    const cache = this.cache;
    if (!cache) throw new DecoderModelError('backward: no forward to differentiate; call forward first');
    const c = this.config;
    const n = cache.batch * cache.seq;
    const hidden = c.hiddenSize;
    if (dlogits.length !== n * c.vocabSize) {
      throw new DecoderModelError(`dlogits: expected ${n * c.vocabSize} values ([batch ${cache.batch}, seq ${cache.seq}, vocab ${c.vocabSize}]), got ${dlogits.length}`);
    }
    const grads: DecoderTensors<T> = {};
    for (const s of this.specs) grads[s.name] = { shape: [...s.shape], data: this.alloc(this.params[s.name]!.data.length) };
    if (this.ops === 'fast') {
      await this.fastBackward(dlogits as Float32Array, grads as unknown as DecoderTensors<Float32Array>, cache as unknown as ForwardCache<Float32Array>);
      this.gradients = grads;
      return grads;
    }
    const norm = { rows: n, hidden, eps: c.rmsNormEps };
    const attn: AttentionDims = { batch: cache.batch, seq: cache.seq, numHeads: c.numAttentionHeads, numKvHeads: c.numKeyValueHeads, headDim: c.headDim };
    const rope = { tokens: n, headDim: c.headDim, theta: c.ropeTheta };

    const dnf = await this.linearBackward(dlogits, cache.nFinal, c.tieWordEmbeddings ? EMBED : LM_HEAD, null, n, grads);
    const fin = rmsNormBackward(dnf, cache.xFinal, this.p('model.norm.weight'), norm);
    addInto(grads['model.norm.weight']!.data, fin.dweight);
    let dx = fin.dx;
    for (let i = c.numHiddenLayers - 1; i >= 0; i--) {
      const L = (s: string): string => layerName(i, s);
      const bias = (proj: string): string | null => (c.attentionBias ? L(`self_attn.${proj}_proj.bias`) : null);
      const s = cache.layers[i]!;
      // x2 = x1 + down(h): dx flows to x1 unchanged and into the MLP.
      const dh = await this.linearBackward(dx, s.h, L('mlp.down_proj.weight'), null, n, grads);
      const { dgate, dup } = swigluBackward(dh, s.gate, s.up);
      const dn2 = await this.linearBackward(dgate, s.n2, L('mlp.gate_proj.weight'), null, n, grads);
      addInto(dn2, await this.linearBackward(dup, s.n2, L('mlp.up_proj.weight'), null, n, grads));
      const post = rmsNormBackward(dn2, s.x1, this.p(L('post_attention_layernorm.weight')), norm);
      addInto(grads[L('post_attention_layernorm.weight')]!.data, post.dweight);
      const dx1 = dx;
      addInto(dx1, post.dx);
      // x1 = x + o_proj(attn): same split.
      const dO = await this.linearBackward(dx1, s.o, L('self_attn.o_proj.weight'), c.oProjBias ? L('self_attn.o_proj.bias') : null, n, grads);
      const { dq, dk, dv } = attentionBackward(dO, s.q, s.k, s.v, cache.mask, attn);
      const dqLin = ropeBackward(dq, cache.positions, { ...rope, heads: c.numAttentionHeads });
      const dkLin = ropeBackward(dk, cache.positions, { ...rope, heads: c.numKeyValueHeads });
      const dn1 = await this.linearBackward(dqLin, s.n1, L('self_attn.q_proj.weight'), bias('q'), n, grads);
      addInto(dn1, await this.linearBackward(dkLin, s.n1, L('self_attn.k_proj.weight'), bias('k'), n, grads));
      addInto(dn1, await this.linearBackward(dv, s.n1, L('self_attn.v_proj.weight'), bias('v'), n, grads));
      const inp = rmsNormBackward(dn1, s.x, this.p(L('input_layernorm.weight')), norm);
      addInto(grads[L('input_layernorm.weight')]!.data, inp.dweight);
      addInto(dx1, inp.dx);
      dx = dx1;
    }
    // Tied: the LM head's share was already accumulated into the embedding's gradient above.
    addInto(grads[EMBED]!.data, embeddingBackward(dx, cache.tokens, { vocab: c.vocabSize, hidden }));
    this.gradients = grads;
    return grads;
  }

  /** Float32 views of the engine and a parameter, for the fast path (only reachable on f32 models). */
  private f32Engine(): MatmulEngine<Float32Array> {
    return this.engine as unknown as MatmulEngine<Float32Array>;
  }

  private pf(name: string): Float32Array {
    return this.params[name]!.data as Float32Array;
  }

  /** The fast forward (same graph as {@link forward}'s reference path, cpu-ops and in-place buffers). */
  private async fastForward(ids: Int32Array, m: Int32Array, positions: Int32Array, batch: number, seq: number): Promise<Float32Array> {
    const c = this.config;
    const n = batch * seq;
    const hidden = c.hiddenSize;
    const eps = c.rmsNormEps;
    const H = c.numAttentionHeads;
    const KV = c.numKeyValueHeads;
    const D = c.headDim;
    const attn = { batch, seq, numHeads: H, numKvHeads: KV, headDim: D };
    const engine = this.f32Engine();
    const pool = this.pool;
    const linear = async (x: Float32Array, name: string, bias: string | null, key: string): Promise<Float32Array> => {
      const [out, inp] = this.params[name]!.shape as [number, number];
      const y = await engine.matmul(x, this.pf(name), { m: n, n: out, k: inp, transB: true }, key === '' ? undefined : pool.get(key, n * out));
      if (bias) addBiasRows(y, this.pf(bias));
      return y;
    };
    // One table for q, k and both backwards (the reference rebuilds it per call).
    const { cos, sin } = ropeTables(positions, D, c.ropeTheta);
    let x = pool.get('x0', n * hidden);
    embeddingForwardInto(this.pf(EMBED), ids, hidden, x);
    const layers: LayerCache<Float32Array>[] = [];
    for (let i = 0; i < c.numHiddenLayers; i++) {
      const L = (s: string): string => layerName(i, s);
      const bias = (proj: string): string | null => (c.attentionBias ? L(`self_attn.${proj}_proj.bias`) : null);
      const P = (name: string, len: number): Float32Array => pool.get(`${i}.${name}`, len);
      const n1 = P('n1', n * hidden);
      const rstd1 = new Float64Array(n);
      rmsNormForwardInto(x, this.pf(L('input_layernorm.weight')), n, hidden, eps, n1, rstd1);
      // q and k stay un-rotated here: RoPE is applied while attention stacks them (one pass, not two).
      const q = await linear(n1, L('self_attn.q_proj.weight'), bias('q'), `${i}.q`);
      const k = await linear(n1, L('self_attn.k_proj.weight'), bias('k'), `${i}.k`);
      const v = await linear(n1, L('self_attn.v_proj.weight'), bias('v'), `${i}.v`);
      const o = P('o', n * H * D);
      const probs = P('probs', attentionProbsLength(attn));
      const len = stackedQkvLengths(attn);
      const stacked = { q: P('qs', len.q), k: P('ks', len.k), v: P('vs', len.v) };
      await fastAttentionForward(engine, q, k, v, m, attn, this.workspace, o, probs, { rope: { cos, sin }, stacked });
      const a = await linear(o, L('self_attn.o_proj.weight'), c.oProjBias ? L('self_attn.o_proj.bias') : null, 'a');
      const x1 = P('x1', n * hidden);
      addIntoFast(x, a, x1);
      const n2 = P('n2', n * hidden);
      const rstd2 = new Float64Array(n);
      rmsNormForwardInto(x1, this.pf(L('post_attention_layernorm.weight')), n, hidden, eps, n2, rstd2);
      const gate = await linear(n2, L('mlp.gate_proj.weight'), null, `${i}.gate`);
      const up = await linear(n2, L('mlp.up_proj.weight'), null, `${i}.up`);
      const h = P('h', gate.length);
      const sig = pool.get64(`${i}.sig`, gate.length);
      // e^gate through the engine (ORT's vectorised Exp) when it has one; else the JS op's Math.exp.
      const expGate = engine.exp ? await engine.exp(gate, pool.get('expGate', gate.length)) : undefined;
      swigluForwardInto(gate, up, h, sig, expGate);
      // The layer's output is the next layer's input x: its own pooled buffer.
      const d = await linear(h, L('mlp.down_proj.weight'), null, `${i + 1}.x`);
      layers.push({ x, n1, q, k, v, o, x1, n2, gate, up, h, fast: { probs, rstd1, rstd2, sig, stacked } });
      // d is this layer's own buffer, so the next residual stream is written over it.
      addIntoFast(x1, d, d);
      x = d;
    }
    const nFinal = pool.get('nFinal', n * hidden);
    const rstdFinal = new Float64Array(n);
    rmsNormForwardInto(x, this.pf('model.norm.weight'), n, hidden, eps, nFinal, rstdFinal);
    // Logits are the caller's (they may be kept across calls): fresh, not pooled.
    const logits = await linear(nFinal, c.tieWordEmbeddings ? EMBED : LM_HEAD, null, '');
    (this as unknown as CpuDecoderModel<Float32Array>).cache = {
      batch, seq, tokens: ids, mask: m, positions, layers, xFinal: x, nFinal, fast: { rstdFinal, cos, sin },
    };
    return logits;
  }

  /**
   * Backward of a Linear on the fast path: dW is written by the engine straight into the gradient
   * (every Linear weight has one use per step, and the tied embedding's scatter-add comes after its
   * LM-head product), db accumulated; returns dx = dy·W.
   */
  private async fastLinearBackward(dy: Float32Array, x: Float32Array, name: string, bias: string | null, rows: number, grads: DecoderTensors<Float32Array>, key: string): Promise<Float32Array> {
    const [out, inp] = this.params[name]!.shape as [number, number];
    const engine = this.f32Engine();
    await engine.matmul(dy, x, { m: out, n: inp, k: rows, transA: true }, grads[name]!.data);
    if (bias) columnSumsInto(dy, out, grads[bias]!.data);
    return engine.matmul(dy, this.pf(name), { m: rows, n: inp, k: out }, this.pool.get(`d:${key}`, rows * inp));
  }

  /** The fast backward into zeroed `grads` (same chain as {@link backward}'s reference path). */
  private async fastBackward(dlogits: Float32Array, grads: DecoderTensors<Float32Array>, cache: ForwardCache<Float32Array>): Promise<void> {
    const c = this.config;
    const n = cache.batch * cache.seq;
    const hidden = c.hiddenSize;
    const H = c.numAttentionHeads;
    const KV = c.numKeyValueHeads;
    const D = c.headDim;
    const attn = { batch: cache.batch, seq: cache.seq, numHeads: H, numKvHeads: KV, headDim: D };
    const { rstdFinal, cos, sin } = cache.fast!;
    // Each call's dx gets its own pooled buffer (key), since several are alive at once (dn1 + dk's + dv's).
    const lb = (dy: Float32Array, x: Float32Array, name: string, bias: string | null, key: string): Promise<Float32Array> => this.fastLinearBackward(dy, x, name, bias, n, grads, key);
    const pool = this.pool;

    const dnf = await lb(dlogits, cache.nFinal, c.tieWordEmbeddings ? EMBED : LM_HEAD, null, 'nf');
    // dx is the residual stream's gradient, updated in place by each block's RMSNorm backwards.
    const dx = pool.get('dx', n * hidden);
    rmsNormBackwardInto(dnf, cache.xFinal, this.pf('model.norm.weight'), rstdFinal, n, hidden, dx, grads['model.norm.weight']!.data);
    for (let i = c.numHiddenLayers - 1; i >= 0; i--) {
      const L = (s: string): string => layerName(i, s);
      const bias = (proj: string): string | null => (c.attentionBias ? L(`self_attn.${proj}_proj.bias`) : null);
      const s = cache.layers[i]!;
      const f = s.fast!;
      const dh = await lb(dx, s.h, L('mlp.down_proj.weight'), null, 'h');
      const dgate = pool.get('dgate', dh.length);
      const dup = pool.get('dup', dh.length);
      swigluBackwardInto(dh, s.gate, s.up, dgate, dup, f.sig);
      const dn2 = await lb(dgate, s.n2, L('mlp.gate_proj.weight'), null, 'n2');
      addIntoFast(dn2, await lb(dup, s.n2, L('mlp.up_proj.weight'), null, 'n2b'), dn2);
      rmsNormBackwardInto(dn2, s.x1, this.pf(L('post_attention_layernorm.weight')), f.rstd2, n, hidden, dx, grads[L('post_attention_layernorm.weight')]!.data, true);
      const dO = await lb(dx, s.o, L('self_attn.o_proj.weight'), c.oProjBias ? L('self_attn.o_proj.bias') : null, 'o');
      const dq = pool.get('dq', s.q.length);
      const dk = pool.get('dk', s.k.length);
      const dv = pool.get('dv', s.v.length);
      // dq, dk come out rotated back (RoPE's transpose fused into attention's scatter).
      await fastAttentionBackward(this.f32Engine(), dO, s.q, s.k, s.v, f.probs, attn, this.workspace, dq, dk, dv, { rope: { cos, sin }, stacked: f.stacked });
      const dn1 = await lb(dq, s.n1, L('self_attn.q_proj.weight'), bias('q'), 'n1');
      addIntoFast(dn1, await lb(dk, s.n1, L('self_attn.k_proj.weight'), bias('k'), 'n1k'), dn1);
      addIntoFast(dn1, await lb(dv, s.n1, L('self_attn.v_proj.weight'), bias('v'), 'n1v'), dn1);
      rmsNormBackwardInto(dn1, s.x, this.pf(L('input_layernorm.weight')), f.rstd1, n, hidden, dx, grads[L('input_layernorm.weight')]!.data, true);
    }
    // Tied: the LM head's dW is already in the embedding's gradient; the scatter-add accumulates onto it.
    embeddingBackwardInto(dx, cache.tokens, hidden, grads[EMBED]!.data);
  }

  /**
   * logprob of token t+1 given tokens ≤ t, [batch, seq − 1] (TRL's shifted convention), through the
   * reference log-softmax-gather. Entries whose target is padding are computed anyway; callers mask.
   * Runs a forward, so a following {@link backward} differentiates it (chain through the logits).
   */
  async tokenLogprobs(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<T> {
    const logits = await this.forward(tokens, mask, batch, seq);
    const ids = this.cache!.tokens;
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
    for (const s of this.specs) {
      state.m[s.name] = this.alloc(this.params[s.name]!.data.length);
      state.v[s.name] = this.alloc(this.params[s.name]!.data.length);
    }
    return state;
  }

  /** One reference AdamW step on every parameter, from `grads` (default: the last {@link backward}'s); advances state.step. */
  step(state: AdamWState<T>, options: DecoderStepOptions, grads: DecoderTensors<T> | undefined = this.gradients): StepReport {
    if (!grads) throw new DecoderModelError('step: no gradients; call backward first or pass them');
    for (const s of this.specs) {
      if (!grads[s.name]) throw new DecoderModelError(`step: gradient of ${s.name} missing`);
      if (!state.m[s.name] || !state.v[s.name]) throw new DecoderModelError(`step: AdamW state of ${s.name} missing`);
    }
    const { maxGradNorm, decayNormsAndBiases, ...adam } = options;
    const list = this.specs.map((s) => grads[s.name]!.data);
    const clip = maxGradNorm === undefined ? { norm: globalGradNorm(list), scale: 1 } : clipGradNorm(list, maxGradNorm);
    const t = state.step + 1;
    for (const s of this.specs) {
      const decays = decayNormsAndBiases === true || s.kind === 'linear' || s.kind === 'embedding';
      // The fast path's f32 AdamW is bit-identical to the reference (src/cpu-ops/adamw.ts), only faster.
      const update = (this.ops === 'fast' ? adamwStepF32 : adamwStep) as (p: T, g: T, m: T, v: T, t: number, o: AdamWOptions) => void;
      update(this.params[s.name]!.data, grads[s.name]!.data, state.m[s.name]!, state.v[s.name]!, t, decays ? adam : { ...adam, weightDecay: 0 });
    }
    state.step = t;
    return { gradNorm: clip.norm, clipScale: clip.scale };
  }
}
