/**
 * The cpu backend's training step as two ONNX graphs recorded from @rlvr/core's decoder chain, so that
 * ONNX Runtime runs a whole micro-batch per call (MLAS for the products, its thread pool for the
 * element-wise work) instead of one call per product with JS loops between them:
 *
 * - **forward**: ids, mask, RoPE tables, parameters → logits, the log-softmax of z = logits / T (its
 *   probabilities kept), each row's target logprob and entropy, and every activation the backward reads;
 * - **backward**: those activations and the upstream gradient — either d loss/d logprob and
 *   d loss/d entropy per row (the PG loss's, computed between the two calls by the reference loss, so
 *   every loss option keeps one implementation) or d loss/d logits — → every parameter's gradient.
 *
 * Layouts follow the CPU model: hidden states [tokens, features], tokens = batch·seq row-major, Linear
 * weights [out, in]; attention works on [batch, kvHeads, group·seq, headDim] views (heads of a group
 * adjacent, as HF's repeat_kv pairs them), so grouped-query attention never copies K/V.
 */
import {
  OnnxGraphBuilder,
  ONNX_INT64,
  decoderBackward,
  decoderForward,
  ChainSiteMap,
  parameterSpecs,
  type ChainSite,
  type DecoderBackwardOps,
  type DecoderConfig,
  type DecoderForwardOps,
  type LinearParameters,
  type OnnxDim,
  type OnnxModel,
  type OnnxValueInfo,
} from '@rlvr/core';
import { type LossGraphVariant, recordLossGradient } from './loss-graph.js';

/** Graph input and output names shared by the two graphs and their runner. */
export const TRAIN_GRAPH_IO = {
  /** int64 [batch, seq]. */
  ids: 'input_ids',
  /** int64 [batch, seq], 1 = token, 0 = padding. */
  mask: 'attention_mask',
  /** float [batch, seq, 1, headDim]: cos/sin of each token's RoPE angles (rotate-half layout). */
  cos: 'rope_cos',
  sin: 'rope_sin',
  /** int64 [tokens]: the row's target token for the log-softmax gather. */
  targets: 'targets',
  /** float scalar: 1 / temperature. */
  invTemperature: 'inv_temperature',
  logits: 'logits',
  /** float [tokens]. */
  logprob: 'logprob',
  entropy: 'entropy',
  /** float [tokens]: upstream gradients of the backward's `logprob` mode. */
  gradLogprob: 'grad_logprob',
  gradEntropy: 'grad_entropy',
  /** float [tokens, vocab]: the upstream gradient of the backward's `logits` mode. */
  gradLogits: 'grad_logits',
} as const;

/** Output name of a parameter's gradient in the backward graph. */
export function gradientOutput(parameter: string): string {
  return `grad.${parameter}`;
}

/**
 * Where the backward graph's upstream gradient comes from: d loss/d logprob per row (`logprob`), plus
 * d loss/d entropy (`logprob-entropy`, an entropy bonus), or d loss/d logits.
 */
export type BackwardSeed = 'logprob' | 'logprob-entropy' | 'logits';

/**
 * A gradient contribution made of rows [tokens, features] to be added at rows `rows` of a parameter
 * (the embedding's lookup, the head's target term). The runner adds it in JS after the call, because
 * ONNX Runtime's ScatterND with reduction 'add' loses updates to repeated rows when it runs on several
 * threads (measured: 10 runs of a 7168-row scatter into 13 rows on 2 threads gave 9 different sums).
 */
export interface RowGradient {
  parameter: string;
  /** Which ids pick the rows: the batch's tokens or each row's target. */
  rows: 'ids' | 'targets';
  /** The graph output holding the [tokens, features] rows. */
  output: string;
}

/**
 * Every parameter's gradient as a backward graph gives it: the output holding its dense part (none
 * when it has only row contributions) and its row contributions.
 */
export interface GradientOutputs {
  /** Parameters whose gradient has a dense output ({@link gradientOutput}). */
  dense: Set<string>;
  rows: RowGradient[];
}

/** The forward and backward graphs (the forward's saved activations are the backward's inputs) and how the backward's outputs make the gradients. */
export interface TrainGraphs {
  forward: OnnxModel;
  backward: OnnxModel;
  /** How the backward's outputs make every parameter's gradient. */
  gradients: GradientOutputs;
}

// Softmax input for disallowed keys: finite, so a fully masked row stays finite (it is then zeroed).
const MASKED = -3.4028234663852886e38;
const TOKENS = 'tokens';

/** A recorded value and its shape (kept so that an activation can be declared as a graph output and input). */
interface Value {
  name: string;
  dims: OnnxDim[];
}

/** What the forward saved at each chain site. */
type SavedValues = ChainSiteMap<Value[]>;

/** Shape helpers and constants both graphs need, built on one graph builder. */
class GraphContext {
  readonly g: OnnxGraphBuilder;
  readonly c: DecoderConfig;
  readonly group: number;
  #batchSeq: string | undefined;
  readonly #shapes = new Map<string, string>();

  constructor(c: DecoderConfig, prefix: string) {
    this.g = new OnnxGraphBuilder(prefix);
    this.c = c;
    this.group = c.numAttentionHeads / c.numKeyValueHeads;
  }

  /** [batch, seq] as an int64 tensor (from the ids' shape). */
  batchSeq(): string {
    this.#batchSeq ??= this.g.op('Shape', [TRAIN_GRAPH_IO.ids]);
    return this.#batchSeq;
  }

  /** [batch, seq, heads, headDim] as a shape tensor. */
  headsShape(heads: number): string {
    const key = `heads${heads}`;
    let s = this.#shapes.get(key);
    if (s === undefined) {
      s = this.g.op('Concat', [this.batchSeq(), this.g.ints([heads, this.c.headDim])], [{ name: 'axis', value: 0 }]);
      this.#shapes.set(key, s);
    }
    return s;
  }

  transpose(x: string, perm: number[]): string {
    return this.g.op('Transpose', [x], [{ name: 'perm', value: perm }]);
  }

  reshape(x: string, shape: number[] | string): string {
    return this.g.op('Reshape', [x, typeof shape === 'string' ? shape : this.g.ints(shape)]);
  }

  /** Sum over `axes` (ReduceSum takes its axes as an input from opset 13). */
  sum(x: string, axes: number[], keepdims: boolean): string {
    return this.g.op('ReduceSum', [x, this.g.ints(axes)], [{ name: 'keepdims', value: keepdims ? 1 : 0 }]);
  }

  mean(x: string, axes: number[]): string {
    return this.g.op(
      'ReduceMean',
      [x],
      [
        { name: 'axes', value: axes },
        { name: 'keepdims', value: 1 },
      ],
    );
  }

  /** RoPE (rotate-half) of x [batch, seq, heads, headDim]; `transpose` applies its inverse rotation (the gradient). */
  rope(x: string, transpose: boolean): string {
    const { g } = this;
    const split = [{ name: 'axis', value: -1 }];
    if (!transpose) {
      const [x1, x2] = g.ops('Split', [x], 2, split) as [string, string];
      const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], split);
      return g.op('Add', [g.op('Mul', [x, TRAIN_GRAPH_IO.cos]), g.op('Mul', [rotated, TRAIN_GRAPH_IO.sin])]);
    }
    // y = x·cos + R(x)·sin with R(x) = [−x2, x1] ⇒ dx = dy·cos + Rᵀ(dy·sin), Rᵀ([a, b]) = [b, −a].
    const [a, b] = g.ops('Split', [g.op('Mul', [x, TRAIN_GRAPH_IO.sin])], 2, split) as [string, string];
    return g.op('Add', [g.op('Mul', [x, TRAIN_GRAPH_IO.cos]), g.op('Concat', [b, g.op('Neg', [a])], split)]);
  }
}

/** Forward ops that record nodes, saving what the backward reads. */
class ForwardRecorder implements DecoderForwardOps<string> {
  readonly saved: SavedValues = new ChainSiteMap();
  #allowed: { bias: string; rowAny: string } | undefined;

  constructor(private readonly x: GraphContext) {}

  #save(site: ChainSite, ...values: Value[]): void {
    this.saved.set(site, values);
  }

  embed(weight: string): string {
    const { g } = this.x;
    return g.op('Gather', [weight, this.x.reshape(TRAIN_GRAPH_IO.ids, [-1])], [{ name: 'axis', value: 0 }]);
  }

  #norm(x: string, weight: string, rows: OnnxDim[], site: ChainSite): string {
    const { g } = this.x;
    const rstd = g.op('Reciprocal', [
      g.op('Sqrt', [g.op('Add', [this.x.mean(g.op('Mul', [x, x]), [-1]), g.float(this.x.c.rmsNormEps)])]),
    ]);
    this.#save(
      site,
      { name: x, dims: [...rows.slice(0, -1), rows.at(-1)!] },
      { name: rstd, dims: [...rows.slice(0, -1), 1] },
    );
    return g.op('Mul', [g.op('Mul', [x, rstd]), weight]);
  }

  rmsNorm(x: string, weight: string, site: ChainSite): string {
    return this.#norm(x, weight, [TOKENS, this.x.c.hiddenSize], site);
  }

  headNorm(x: string, weight: string, heads: number, site: ChainSite): string {
    const D = this.x.c.headDim;
    const y = this.#norm(this.x.reshape(x, [-1, heads, D]), weight, [TOKENS, heads, D], site);
    return this.x.reshape(y, [-1, heads * D]);
  }

  linear(x: string, p: LinearParameters, site: ChainSite): string {
    this.#save(site, { name: x, dims: [TOKENS, p.in] });
    return this.x.g.op('Gemm', p.bias === null ? [x, p.weight] : [x, p.weight, p.bias], [{ name: 'transB', value: 1 }]);
  }

  /**
   * The additive score mask [batch, 1, 1, seq·seq] (0 where the key is allowed — causal and not
   * padding — and {@link MASKED} elsewhere; one Add per layer is much cheaper in ORT than a broadcast
   * Where), broadcast over the KV heads and a group's heads by viewing the scores as
   * [batch, kvHeads, group, seq·seq] (no Tile), and the queries with any allowed key [batch, 1, 1, seq, 1].
   */
  #mask(): { bias: string; rowAny: string } {
    if (this.#allowed) return this.#allowed;
    const { g } = this.x;
    const seq = g.op('Squeeze', [
      g.op('Gather', [this.x.batchSeq(), g.ints([1])], [{ name: 'axis', value: 0 }]),
      g.ints([0]),
    ]);
    const idx = g.op('Range', [g.intScalar(0), seq, g.intScalar(1)]);
    const causal = g.op('LessOrEqual', [g.op('Unsqueeze', [idx, g.ints([0])]), g.op('Unsqueeze', [idx, g.ints([1])])]); // [query, key]
    const keyOk = g.op('Unsqueeze', [g.op('Cast', [TRAIN_GRAPH_IO.mask], [{ name: 'to', value: 9 }]), g.ints([1, 2])]); // [B, 1, 1, S]
    const allowed = g.op('Cast', [g.op('And', [causal, keyOk])], [{ name: 'to', value: 1 }]); // [B, 1, S, S], 1 or 0
    const bias = this.x.reshape(g.op('Mul', [g.op('Sub', [g.float(1), allowed]), g.float(MASKED)]), [0, 1, 1, -1]);
    const rowAny = g.op(
      'ReduceMax',
      [g.op('Unsqueeze', [allowed, g.ints([1])])],
      [
        { name: 'axes', value: [-1] },
        { name: 'keepdims', value: 1 },
      ],
    );
    this.#allowed = { bias, rowAny };
    return this.#allowed;
  }

  attention(q: string, k: string, v: string, site: ChainSite): string {
    const x = this.x;
    const { g, c } = x;
    const H = c.numAttentionHeads;
    const KV = c.numKeyValueHeads;
    const D = c.headDim;
    const toHeads = [0, 2, 1, 3];
    // q is scaled by 1/√D before the product (a [g·S, D] pass instead of one over the [g·S, S] scores).
    const qRotated = x.transpose(x.rope(x.reshape(q, x.headsShape(H)), false), toHeads);
    const qg = x.reshape(g.op('Mul', [qRotated, g.float(1 / Math.sqrt(D))]), [0, KV, -1, D]); // [B, KV, g·S, D], scaled
    const kh = x.transpose(x.rope(x.reshape(k, x.headsShape(KV)), false), toHeads); // [B, KV, S, D]
    const vh = x.transpose(x.reshape(v, x.headsShape(KV)), toHeads);
    const { bias, rowAny } = this.#mask();
    const scores = g.op('MatMul', [qg, x.transpose(kh, [0, 1, 3, 2])]); // [B, KV, g·S, S]
    const biased = g.op('Add', [x.reshape(scores, [0, KV, x.group, -1]), bias]);
    const probs = g.op('Softmax', [x.reshape(biased, g.op('Shape', [scores]))], [{ name: 'axis', value: -1 }]);
    // Fully masked queries (left padding) get a zero output, hence no gradient: masking the [g·S, D]
    // output instead of the [g·S, S] probabilities saves a pass over the scores.
    const o = g.op('Mul', [x.reshape(g.op('MatMul', [probs, vh]), [0, KV, x.group, -1, D]), rowAny]);
    const out = x.reshape(x.transpose(x.reshape(o, [0, H, -1, D]), toHeads), [-1, H * D]); // [tokens, H·D]
    this.#save(
      site,
      { name: qg, dims: ['batch', KV, 'group_seq', D] },
      { name: kh, dims: ['batch', KV, 'seq', D] },
      { name: vh, dims: ['batch', KV, 'seq', D] },
      { name: probs, dims: ['batch', KV, 'group_seq', 'seq'] },
      { name: rowAny, dims: ['batch', 1, 1, 'seq', 1] },
      { name: out, dims: [TOKENS, H * D] },
    );
    return out;
  }

  residual(a: string, b: string): string {
    return this.x.g.op('Add', [a, b]);
  }

  swiglu(gate: string, up: string, site: ChainSite): string {
    const { g } = this.x;
    const sig = g.op('Sigmoid', [gate]);
    const n = this.x.c.intermediateSize;
    this.#save(
      site,
      { name: gate, dims: [TOKENS, n] },
      { name: up, dims: [TOKENS, n] },
      { name: sig, dims: [TOKENS, n] },
    );
    return g.op('Mul', [g.op('Mul', [gate, sig]), up]);
  }
}

/**
 * The sparse part of the head's upstream gradient in the log-softmax seeds: dlogits = dz + onehot(target)
 * · scale per row, applied to the head's products as a row gather and scatter instead of adding it to
 * the [tokens, vocab] dz (a whole copy of it).
 */
interface HeadOneHot {
  /** int64 [tokens]. */
  targets: string;
  /** float [tokens, 1]. */
  scale: string;
}

/**
 * Backward ops that record nodes; parameter gradients are collected per name and summed in recording
 * order, and row contributions are kept apart (see {@link RowGradient}).
 */
class BackwardRecorder implements DecoderBackwardOps<string> {
  /** Each parameter's dense gradient contributions, in the order the chain produced them. */
  readonly contributions = new Map<string, string[]>();
  /** Row contributions: values [tokens, features] added at rows picked by ids or targets. */
  readonly rowContributions: { parameter: string; rows: 'ids' | 'targets'; values: string }[] = [];

  constructor(
    private readonly x: GraphContext,
    private readonly saved: SavedValues,
    private readonly headOneHot?: HeadOneHot,
  ) {}

  #load(site: ChainSite): string[] {
    return this.saved.get(site).map((v) => v.name);
  }

  #add(parameter: string, gradient: string): void {
    const list = this.contributions.get(parameter) ?? [];
    list.push(gradient);
    this.contributions.set(parameter, list);
  }

  linearBackward(dy: string, p: LinearParameters, site: ChainSite): string {
    const { g } = this.x;
    const [x] = this.#load(site) as [string];
    this.#add(p.weight, g.op('Gemm', [dy, x], [{ name: 'transA', value: 1 }]));
    if (p.bias !== null) this.#add(p.bias, this.x.sum(dy, [0], false));
    const dx = g.op('MatMul', [dy, p.weight]);
    const oneHot = site.layer === -1 && site.value === 'logits' ? this.headOneHot : undefined;
    if (!oneHot) return dx;
    // onehot·scale: row target_t of W gains scale_t·x_t, and x_t gains scale_t·W[target_t] (the head has no bias).
    this.rowContributions.push({ parameter: p.weight, rows: 'targets', values: g.op('Mul', [x, oneHot.scale]) });
    const picked = g.op('Gather', [p.weight, oneHot.targets], [{ name: 'axis', value: 0 }]);
    return g.op('Add', [dx, g.op('Mul', [picked, oneHot.scale])]);
  }

  /** dx of y = x·rstd·w over the last axis, and the gain's gradient summed over `weightAxes`. */
  #normBackward(dy: string, weight: string, site: ChainSite, weightAxes: number[]): string {
    const { g } = this.x;
    const [x, rstd] = this.#load(site) as [string, string];
    const dyw = g.op('Mul', [dy, weight]);
    this.#add(weight, this.x.sum(g.op('Mul', [g.op('Mul', [dy, x]), rstd]), weightAxes, false));
    // dx = rstd·dy·w − x·rstd³·mean(dy·w·x)
    const r3 = g.op('Mul', [rstd, g.op('Mul', [rstd, rstd])]);
    return g.op('Sub', [
      g.op('Mul', [dyw, rstd]),
      g.op('Mul', [x, g.op('Mul', [r3, this.x.mean(g.op('Mul', [dyw, x]), [-1])])]),
    ]);
  }

  rmsNormBackward(dy: string, weight: string, site: ChainSite, residual: string | null): string {
    const dx = this.#normBackward(dy, weight, site, [0]);
    return residual === null ? dx : this.x.g.op('Add', [residual, dx]);
  }

  headNormBackward(dy: string, weight: string, heads: number, site: ChainSite): string {
    const D = this.x.c.headDim;
    return this.x.reshape(this.#normBackward(this.x.reshape(dy, [-1, heads, D]), weight, site, [0, 1]), [
      -1,
      heads * D,
    ]);
  }

  attentionBackward(dOut: string, site: ChainSite): [string, string, string] {
    const x = this.x;
    const { g, c } = x;
    const H = c.numAttentionHeads;
    const KV = c.numKeyValueHeads;
    const D = c.headDim;
    const [qg, kh, vh, probs, rowAny, out] = this.#load(site) as [string, string, string, string, string, string];
    const toHeads = [0, 2, 1, 3];
    const lastTwo = [0, 1, 3, 2];
    const dOutHeads = x.reshape(dOut, x.headsShape(H)); // [B, S, H, D]
    const dOg = x.reshape(g.op('Mul', [x.reshape(x.transpose(dOutHeads, toHeads), [0, KV, x.group, -1, D]), rowAny]), [
      0,
      KV,
      -1,
      D,
    ]); // [B, KV, g·S, D], zero at fully masked queries
    const dv = g.op('MatMul', [x.transpose(probs, lastTwo), dOg]); // [B, KV, S, D]
    const dp = g.op('MatMul', [dOg, x.transpose(vh, lastTwo)]);
    // Softmax backward ds = p·(dp − Σ_k p·dp), where Σ_k p_k·dp_k = dO·(Σ_k p_k·v_k) = dO·o per query:
    // a pass over the [g·S, D] output instead of two over the [g·S, S] scores. The output is zero at
    // fully masked queries, as dO is there. The scores are (q/√D)·kᵀ with the scaled q saved, so
    // dk = dsᵀ·(q/√D) and dq = (ds·k)/√D (the scale applied to the [g·S, D] product, not to the scores).
    const rowDot = x.sum(g.op('Mul', [dOutHeads, x.reshape(out, x.headsShape(H))]), [-1], true); // [B, S, H, 1]
    const ds = g.op('Mul', [probs, g.op('Sub', [dp, x.reshape(x.transpose(rowDot, toHeads), [0, KV, -1, 1])])]);
    const dqg = g.op('Mul', [g.op('MatMul', [ds, kh]), g.float(1 / Math.sqrt(D))]);
    const dk = g.op('MatMul', [x.transpose(ds, lastTwo), qg]);
    const back = (t: string, heads: number): string =>
      x.reshape(x.rope(x.transpose(t, toHeads), true), [-1, heads * D]);
    const dvOut = x.reshape(x.transpose(dv, toHeads), [-1, KV * D]);
    return [back(x.reshape(dqg, [0, H, -1, D]), H), back(dk, KV), dvOut];
  }

  swigluBackward(dh: string, site: ChainSite): [string, string] {
    const { g } = this.x;
    const [gate, up, sig] = this.#load(site) as [string, string, string];
    const one = g.float(1);
    // d silu(g)/dg = σ·(1 + g·(1 − σ))
    const dsilu = g.op('Mul', [sig, g.op('Add', [one, g.op('Mul', [gate, g.op('Sub', [one, sig])])])]);
    return [g.op('Mul', [g.op('Mul', [dh, up]), dsilu]), g.op('Mul', [dh, g.op('Mul', [gate, sig])])];
  }

  addGradients(a: string, b: string): string {
    return this.x.g.op('Add', [a, b]);
  }

  embedBackward(dx: string, weight: string): void {
    this.rowContributions.push({ parameter: weight, rows: 'ids', values: dx });
  }
}

/** Inputs both graphs read: ids, mask, RoPE tables and every parameter. */
function commonInputs(c: DecoderConfig): OnnxValueInfo[] {
  const io = TRAIN_GRAPH_IO;
  return [
    { name: io.ids, dims: ['batch', 'seq'], elemType: ONNX_INT64 },
    { name: io.mask, dims: ['batch', 'seq'], elemType: ONNX_INT64 },
    { name: io.cos, dims: ['batch', 'seq', 1, c.headDim] },
    { name: io.sin, dims: ['batch', 'seq', 1, c.headDim] },
    ...parameterSpecs(c).map((s) => ({ name: s.name, dims: s.shape })),
  ];
}

/** The recorded forward: its nodes, what it saves for the backward and the inputs it reads. */
export interface RecordedForward {
  graph: OnnxGraphBuilder;
  /** What each chain site saved. */
  saved: SavedValues;
  /** The head's probabilities softmax(logits / T) [tokens, vocab]. */
  headProbs: string;
  /** Every saved activation once, the head's probabilities included (forward outputs, backward inputs). */
  savedValues: Value[];
  inputs: OnnxValueInfo[];
}

/**
 * Record the forward: logits (named {@link TRAIN_GRAPH_IO.logits}), the log-softmax of logits / T, the
 * target logprob and entropy of each row, and the activations the backward reads.
 */
export async function recordForward(config: DecoderConfig): Promise<RecordedForward> {
  const io = TRAIN_GRAPH_IO;
  const fx = new GraphContext(config, 'f_');
  const forward = new ForwardRecorder(fx);
  const logits = await decoderForward(config, forward);
  const { g } = fx;
  const z = g.op('Mul', [io.logits, io.invTemperature]);
  const logpAll = g.op('LogSoftmax', [z], [{ name: 'axis', value: -1 }]);
  const pAll = g.op('Exp', [logpAll]);
  const picked = g.op(
    'GatherElements',
    [logpAll, g.op('Unsqueeze', [io.targets, g.ints([1])])],
    [{ name: 'axis', value: 1 }],
  );
  g.op('Reshape', [picked, g.ints([-1])], [], io.logprob);
  g.op('Neg', [fx.sum(g.op('Mul', [pAll, logpAll]), [-1], false)], [], io.entropy);
  // The head's output is the graph output itself (an Identity would copy [tokens, vocab]).
  for (const node of g.nodes) {
    node.inputs = node.inputs.map((name) => (name === logits ? io.logits : name));
    node.outputs = node.outputs.map((name) => (name === logits ? io.logits : name));
  }
  // The head's probabilities [tokens, vocab] are kept for the log-softmax backward (its common,
  // entropy-free form needs p alone, so the backward skips an Exp over [tokens, vocab]).
  const headProbs: Value = { name: pAll, dims: [TOKENS, config.vocabSize] };
  const savedValues = [...new Map([...forward.saved.values(), [headProbs]].flat().map((v) => [v.name, v])).values()];
  return {
    graph: g,
    saved: forward.saved,
    headProbs: pAll,
    savedValues,
    inputs: [
      ...commonInputs(config),
      { name: io.targets, dims: [TOKENS], elemType: ONNX_INT64 },
      { name: io.invTemperature, dims: [] },
    ],
  };
}

/** The recorded backward: its nodes, every parameter's gradient output and the inputs it reads. */
export interface RecordedBackward {
  graph: OnnxGraphBuilder;
  outputs: OnnxValueInfo[];
  /** Graph inputs and forward values (saved activations, logprob/entropy) that its nodes read. */
  reads: Set<string>;
  /** The upstream-gradient inputs of `seed` mode. */
  seedInputs: OnnxValueInfo[];
  gradients: GradientOutputs;
}

/** Record the backward of `forward` from the upstream gradient that `seed` names. */
export async function recordBackward(
  config: DecoderConfig,
  forward: RecordedForward,
  seed: BackwardSeed,
): Promise<RecordedBackward> {
  const io = TRAIN_GRAPH_IO;
  const bx = new GraphContext(config, 'b_');
  const b = bx.g;
  const seedInputs: OnnxValueInfo[] = [];
  let dlogits: string;
  let headOneHot: HeadOneHot | undefined;
  if (seed === 'logits') {
    dlogits = io.gradLogits;
    seedInputs.push({ name: io.gradLogits, dims: [TOKENS, config.vocabSize] });
  } else {
    // dlogits_j = (gLogprob·(δ_j,target − p_j) − gEntropy·p_j·(log p_j + H)) / T (the reference's
    // log-softmax backward), with every per-row factor folded into [tokens, 1] columns first, so that
    // the [tokens, vocab] work is one Mul (a Log and three more with entropy); the target's δ term
    // is applied to the head's products as a row gather and scatter (HeadOneHot).
    const p = forward.headProbs;
    const col = (t: string): string => b.op('Unsqueeze', [t, b.ints([1])]);
    const target = b.op('Mul', [col(io.gradLogprob), io.invTemperature]); // gLogprob / T
    let dz: string;
    if (seed === 'logprob-entropy') {
      // log p from the saved p, floored at the smallest normal float: where p underflows the term
      // is p·(…) ≈ 0 either way (the entropy itself came from the forward's exact log p).
      const logp = b.op('Log', [b.op('Max', [p, b.float(1.1754943508222875e-38)])]);
      const entropy = b.op('Mul', [col(io.gradEntropy), io.invTemperature]); // gEntropy / T
      // −p·(gLogprob/T + (gEntropy/T)·(log p + H)) = −p·((gEntropy/T)·log p + (gLogprob + gEntropy·H)/T)
      const offset = b.op('Add', [target, b.op('Mul', [entropy, col(io.entropy)])]);
      dz = b.op('Mul', [p, b.op('Neg', [b.op('Add', [b.op('Mul', [logp, entropy]), offset])])]);
    } else {
      dz = b.op('Mul', [p, b.op('Neg', [target])]);
    }
    dlogits = dz;
    headOneHot = { targets: io.targets, scale: target };
    seedInputs.push({ name: io.gradLogprob, dims: [TOKENS] }, { name: io.gradEntropy, dims: [TOKENS] });
  }
  const backward = new BackwardRecorder(bx, forward.saved, headOneHot);
  await decoderBackward(config, backward, dlogits);
  const outputs: OnnxValueInfo[] = [];
  const gradients: GradientOutputs = { dense: new Set(), rows: [] };
  backward.rowContributions.forEach((r, i) => {
    const output = `grad_rows.${i}`;
    b.op('Identity', [r.values], [], output);
    outputs.push({ name: output, dims: [TOKENS, config.hiddenSize] });
    gradients.rows.push({ parameter: r.parameter, rows: r.rows, output });
  });
  for (const s of parameterSpecs(config)) {
    const parts = backward.contributions.get(s.name);
    if (!parts) {
      if (gradients.rows.some((r) => r.parameter === s.name)) continue;
      throw new Error(`train graph: no gradient reaches ${s.name}`);
    }
    b.op(parts.length === 1 ? 'Identity' : 'Sum', parts, [], gradientOutput(s.name));
    outputs.push({ name: gradientOutput(s.name), dims: s.shape });
    gradients.dense.add(s.name);
  }
  return { graph: b, outputs, reads: new Set(b.nodes.flatMap((n) => n.inputs)), seedInputs, gradients };
}

/** Record the forward and backward graphs of `config` (see the module comment); `seed` picks the backward's upstream gradient. */
export async function buildTrainGraphs(config: DecoderConfig, seed: BackwardSeed): Promise<TrainGraphs> {
  const io = TRAIN_GRAPH_IO;
  const forward = await recordForward(config);
  const rows: OnnxValueInfo[] = [
    { name: io.logprob, dims: [TOKENS] },
    { name: io.entropy, dims: [TOKENS] },
  ];
  const forwardModel: OnnxModel = {
    nodes: forward.graph.nodes,
    initializers: forward.graph.initializers,
    inputs: forward.inputs,
    outputs: [{ name: io.logits, dims: [TOKENS, config.vocabSize] }, ...rows, ...forward.savedValues],
    graphName: `rlvr-${config.modelType}-train-forward`,
    producer: '@rlvr/kernels',
    opset: 17,
  };
  const backward = await recordBackward(config, forward, seed);
  // The backward reads only the activations its ops asked for (the head's probabilities only in logprob mode).
  const backwardSaved = forward.savedValues.filter((v) => backward.reads.has(v.name));
  const backwardModel: OnnxModel = {
    nodes: backward.graph.nodes,
    initializers: backward.graph.initializers,
    inputs: [
      ...[...forward.inputs, ...rows, ...backward.seedInputs].filter((i) => backward.reads.has(i.name)),
      ...backwardSaved,
    ],
    outputs: backward.outputs,
    graphName: `rlvr-${config.modelType}-train-backward`,
    producer: '@rlvr/kernels',
    opset: 17,
  };
  return {
    forward: forwardModel,
    backward: backwardModel,
    gradients: backward.gradients,
  };
}

/**
 * Record the whole micro-batch step as one graph: the forward, the PG loss's gradient wrt each row's
 * logprob (and entropy) for `variant` (loss-graph.ts), and the backward from it. Outputs: each row's
 * logprob and entropy (for the loss value and statistics) and every parameter's gradient; no
 * activation leaves ONNX Runtime.
 */
export async function buildStepGraph(
  config: DecoderConfig,
  variant: LossGraphVariant,
): Promise<{ model: OnnxModel; gradients: GradientOutputs }> {
  const io = TRAIN_GRAPH_IO;
  const forward = await recordForward(config);
  const loss = new OnnxGraphBuilder('l_');
  const lossInputs = recordLossGradient(loss, variant, io.logprob, {
    logprob: io.gradLogprob,
    entropy: io.gradEntropy,
  });
  const backward = await recordBackward(config, forward, variant.entropy ? 'logprob-entropy' : 'logprob');
  const model: OnnxModel = {
    nodes: [...forward.graph.nodes, ...loss.nodes, ...backward.graph.nodes],
    initializers: [...forward.graph.initializers, ...loss.initializers, ...backward.graph.initializers],
    inputs: [...forward.inputs, ...lossInputs],
    outputs: [{ name: io.logprob, dims: [TOKENS] }, { name: io.entropy, dims: [TOKENS] }, ...backward.outputs],
    graphName: `rlvr-${config.modelType}-train-step`,
    producer: '@rlvr/kernels',
    opset: 17,
  };
  return { model, gradients: backward.gradients };
}
