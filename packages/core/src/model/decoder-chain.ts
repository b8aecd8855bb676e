/**
 * The decoder family's one description: which parameters a {@link DecoderConfig} has (Hugging Face
 * names and shapes), the block chain of the forward pass and its chain rule, written once against
 * operation interfaces. Every implementation of the model runs these two functions with its own ops:
 * the f64 reference and the fast f32 path on the CPU, the WebGPU kernels, and the ONNX inference
 * graph, which records nodes instead of computing (an op may return a graph value's name as its handle).
 *
 * The chain (Llama, Qwen2, Qwen3): embedding; N × [RMSNorm → q/k/v projections (+ bias) → per-head
 * q/k RMSNorm (Qwen3) → attention with RoPE, causal GQA and the padding mask → o_proj (+ bias) →
 * residual; RMSNorm → SwiGLU MLP → residual]; final RMSNorm; LM head (tied to the embedding or not).
 */
import type { DecoderConfig } from './config.js';

/** A PyTorch Linear: y = x·Wᵀ (+ b), with W of shape [out, in]. */
export interface LinearParameters {
  /** Hugging Face name of W. */
  weight: string;
  /** Hugging Face name of b, or null when this Linear has no bias. */
  bias: string | null;
  /** Output features (rows of W). */
  out: number;
  /** Input features (columns of W). */
  in: number;
}

/** Parameter names of one decoder block. */
export interface BlockParameters {
  /** RMSNorm gain before attention, [hidden]. */
  inputNorm: string;
  q: LinearParameters;
  k: LinearParameters;
  v: LinearParameters;
  /** Per-head RMSNorm gains of q and k, [headDim] (Qwen3); null for families without them. */
  qNorm: string | null;
  kNorm: string | null;
  o: LinearParameters;
  /** RMSNorm gain before the MLP, [hidden]. */
  postNorm: string;
  gate: LinearParameters;
  up: LinearParameters;
  down: LinearParameters;
}

/** Every parameter of a decoder, by role. */
export interface DecoderParameters {
  /** Token embedding [vocab, hidden]. */
  embed: string;
  blocks: BlockParameters[];
  /** Final RMSNorm gain, [hidden]. */
  finalNorm: string;
  /** The LM head; its weight is the embedding's name when embeddings are tied. */
  head: LinearParameters;
}

/** The Hugging Face parameter names and shapes of a config, by role (the single place names are built). */
export function decoderParameters(c: DecoderConfig): DecoderParameters {
  const h = c.hiddenSize;
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  const linear = (weight: string, out: number, inp: number, bias: boolean): LinearParameters => ({
    weight: `${weight}.weight`,
    bias: bias ? `${weight}.bias` : null,
    out,
    in: inp,
  });
  const blocks: BlockParameters[] = [];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    blocks.push({
      inputNorm: `${p}.input_layernorm.weight`,
      q: linear(`${p}.self_attn.q_proj`, q, h, c.attentionBias),
      k: linear(`${p}.self_attn.k_proj`, kv, h, c.attentionBias),
      v: linear(`${p}.self_attn.v_proj`, kv, h, c.attentionBias),
      qNorm: c.qkNorm ? `${p}.self_attn.q_norm.weight` : null,
      kNorm: c.qkNorm ? `${p}.self_attn.k_norm.weight` : null,
      o: linear(`${p}.self_attn.o_proj`, h, q, c.oProjBias),
      postNorm: `${p}.post_attention_layernorm.weight`,
      gate: linear(`${p}.mlp.gate_proj`, c.intermediateSize, h, false),
      up: linear(`${p}.mlp.up_proj`, c.intermediateSize, h, false),
      down: linear(`${p}.mlp.down_proj`, h, c.intermediateSize, false),
    });
  }
  return {
    embed: 'model.embed_tokens.weight',
    blocks,
    finalNorm: 'model.norm.weight',
    head: {
      weight: c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight',
      bias: null,
      out: c.vocabSize,
      in: h,
    },
  };
}

/** The values of the chain, named so an implementation can key what it saves or where it writes. */
export type ChainValue =
  /** Block input (the residual stream entering block `layer`). */
  | 'x'
  /** Input RMSNorm output. */
  | 'n1'
  /** q/k/v projections (before RoPE; for Qwen3 before the per-head norm). */
  | 'q'
  | 'k'
  | 'v'
  /** q and k after the per-head RMSNorm (Qwen3). */
  | 'qNormed'
  | 'kNormed'
  /** Attention output [tokens, heads · headDim]. */
  | 'attention'
  /** o_proj output. */
  | 'o'
  /** Residual stream after attention. */
  | 'x1'
  /** Post-attention RMSNorm output. */
  | 'n2'
  | 'gate'
  | 'up'
  /** SwiGLU output. */
  | 'h'
  /** down_proj output. */
  | 'down'
  /** Block output (the next block's `x`). */
  | 'x2'
  /** Final RMSNorm output (layer −1). */
  | 'final'
  /** Logits (layer −1). */
  | 'logits';

/** Where in the chain an op runs: a block index (−1 outside the blocks) and the value it produces. */
export interface ChainSite {
  layer: number;
  value: ChainValue;
}

/** A site as one string (`layer.value`, e.g. `3.n1`, `-1.logits`), for keying what an implementation saves. */
export function chainSiteKey(site: ChainSite): string {
  return `${site.layer}.${site.value}`;
}

/**
 * What an implementation keeps per chain site — what a forward op saved for the backward op of the
 * same site, or where a site's value lives. A lookup of a site nothing was kept for is a bug of the
 * implementation, so it throws naming the site.
 */
export class ChainSiteMap<V> {
  readonly #entries = new Map<string, V>();

  /** Keep `value` for `site` (replacing what was kept there). */
  set(site: ChainSite, value: V): void {
    this.#entries.set(chainSiteKey(site), value);
  }

  /** What was kept for `site`; throws when nothing was. */
  get(site: ChainSite): V {
    const value = this.#entries.get(chainSiteKey(site));
    if (value === undefined) throw new Error(`decoder chain: nothing kept for site ${chainSiteKey(site)}`);
    return value;
  }

  /** Everything kept, in insertion order. */
  values(): IterableIterator<V> {
    return this.#entries.values();
  }

  /** Forget everything kept. */
  clear(): void {
    this.#entries.clear();
  }
}

/** The operations the forward chain is written against; `X` is an implementation's tensor handle. */
export interface DecoderForwardOps<X> {
  /** Embedding rows of the batch's token ids, [tokens, hidden]. */
  embed(weight: string, site: ChainSite): X | Promise<X>;
  /** RMSNorm over the hidden size with gain `weight`. */
  rmsNorm(x: X, weight: string, site: ChainSite): X | Promise<X>;
  /** RMSNorm of each head's headDim values, x viewed as [tokens, heads, headDim], gain [headDim] (Qwen3). */
  headNorm(x: X, weight: string, heads: number, site: ChainSite): X | Promise<X>;
  /** y = x·Wᵀ (+ b). */
  linear(x: X, p: LinearParameters, site: ChainSite): X | Promise<X>;
  /** RoPE on q and k by position, then causal grouped-query attention under the padding mask; [tokens, heads · headDim]. */
  attention(q: X, k: X, v: X, site: ChainSite): X | Promise<X>;
  /** The residual sum a + b. */
  residual(a: X, b: X, site: ChainSite): X | Promise<X>;
  /** silu(gate) · up. */
  swiglu(gate: X, up: X, site: ChainSite): X | Promise<X>;
}

/**
 * The backward ops, each the transpose of a forward op at the same site (an implementation reads what
 * its forward saved there). Parameter gradients are accumulated by the ops; the values returned are
 * input gradients. A gradient handle passed in may be reused for the result (it is not read again).
 */
export interface DecoderBackwardOps<X> {
  /** dx of y = x·Wᵀ + b; dW (and db) are added to the parameter gradients. */
  linearBackward(dy: X, p: LinearParameters, site: ChainSite): X | Promise<X>;
  /**
   * dx of RMSNorm (its gain's gradient added to the parameter gradients), added to `residual` when
   * given (the residual stream's gradient, which the norm's input also feeds) and returned.
   */
  rmsNormBackward(dy: X, weight: string, site: ChainSite, residual: X | null): X | Promise<X>;
  /** dx of the per-head RMSNorm (its gain's gradient added to the parameter gradients). */
  headNormBackward(dy: X, weight: string, heads: number, site: ChainSite): X | Promise<X>;
  /** dq, dk, dv of {@link DecoderForwardOps.attention} (through RoPE: dq and dk are of the un-rotated inputs). */
  attentionBackward(dOut: X, site: ChainSite): [X, X, X] | Promise<[X, X, X]>;
  /** dgate, dup of SwiGLU. */
  swigluBackward(dh: X, site: ChainSite): [X, X] | Promise<[X, X]>;
  /** a + b for gradients of one value reached by two paths; a may be reused for the result. */
  addGradients(a: X, b: X, site: ChainSite): X | Promise<X>;
  /** Scatter-add dx rows into the embedding's gradient at the batch's token ids. */
  embedBackward(dx: X, weight: string, site: ChainSite): void | Promise<void>;
}

const at = (layer: number, value: ChainValue): ChainSite => ({ layer, value });

/** One block of the forward chain: block `i`'s output (the next block's input) from its input `x`. */
export async function decoderBlockForward<X>(c: DecoderConfig, ops: DecoderForwardOps<X>, i: number, x: X): Promise<X> {
  const b = decoderParameters(c).blocks[i]!;
  const n1 = await ops.rmsNorm(x, b.inputNorm, at(i, 'n1'));
  let q = await ops.linear(n1, b.q, at(i, 'q'));
  let k = await ops.linear(n1, b.k, at(i, 'k'));
  const v = await ops.linear(n1, b.v, at(i, 'v'));
  if (b.qNorm !== null && b.kNorm !== null) {
    q = await ops.headNorm(q, b.qNorm, c.numAttentionHeads, at(i, 'qNormed'));
    k = await ops.headNorm(k, b.kNorm, c.numKeyValueHeads, at(i, 'kNormed'));
  }
  const attention = await ops.attention(q, k, v, at(i, 'attention'));
  const x1 = await ops.residual(x, await ops.linear(attention, b.o, at(i, 'o')), at(i, 'x1'));
  const n2 = await ops.rmsNorm(x1, b.postNorm, at(i, 'n2'));
  const gate = await ops.linear(n2, b.gate, at(i, 'gate'));
  const up = await ops.linear(n2, b.up, at(i, 'up'));
  const h = await ops.swiglu(gate, up, at(i, 'h'));
  return ops.residual(x1, await ops.linear(h, b.down, at(i, 'down')), at(i, 'x2'));
}

/** The forward chain up to the LM head: the final RMSNorm's output [tokens, hidden]. */
export async function decoderHidden<X>(c: DecoderConfig, ops: DecoderForwardOps<X>): Promise<X> {
  const P = decoderParameters(c);
  let x = await ops.embed(P.embed, at(0, 'x'));
  for (let i = 0; i < P.blocks.length; i++) x = await decoderBlockForward(c, ops, i, x);
  return ops.rmsNorm(x, P.finalNorm, at(-1, 'final'));
}

/** The forward chain: logits [tokens, vocab] of the implementation's batch. */
export async function decoderForward<X>(c: DecoderConfig, ops: DecoderForwardOps<X>): Promise<X> {
  const final = await decoderHidden(c, ops);
  return ops.linear(final, decoderParameters(c).head, at(-1, 'logits'));
}

/**
 * One block of the chain rule: the gradient of block `i`'s input from `dx`, the gradient of its output
 * (which it may reuse). Branch sums keep one order everywhere: dn2 = dgate·W_gate + dup·W_up,
 * dn1 = (dq·W_q + dk·W_k) + dv·W_v, and the stream's gradient gains each norm's dx after its own.
 */
export async function decoderBlockBackward<X>(
  c: DecoderConfig,
  ops: DecoderBackwardOps<X>,
  i: number,
  dx: X,
): Promise<X> {
  const b = decoderParameters(c).blocks[i]!;
  // x2 = x1 + down(h): the stream's gradient flows to x1 unchanged and into the MLP.
  const dh = await ops.linearBackward(dx, b.down, at(i, 'down'));
  const [dgate, dup] = await ops.swigluBackward(dh, at(i, 'h'));
  const dn2 = await ops.addGradients(
    await ops.linearBackward(dgate, b.gate, at(i, 'gate')),
    await ops.linearBackward(dup, b.up, at(i, 'up')),
    at(i, 'n2'),
  );
  dx = await ops.rmsNormBackward(dn2, b.postNorm, at(i, 'n2'), dx);
  // x1 = x + o_proj(attention): the same split.
  const dAttention = await ops.linearBackward(dx, b.o, at(i, 'o'));
  const [dqInput, dkInput, dv] = await ops.attentionBackward(dAttention, at(i, 'attention'));
  let dq = dqInput;
  let dk = dkInput;
  if (b.qNorm !== null && b.kNorm !== null) {
    dq = await ops.headNormBackward(dq, b.qNorm, c.numAttentionHeads, at(i, 'qNormed'));
    dk = await ops.headNormBackward(dk, b.kNorm, c.numKeyValueHeads, at(i, 'kNormed'));
  }
  const dqk = await ops.addGradients(
    await ops.linearBackward(dq, b.q, at(i, 'q')),
    await ops.linearBackward(dk, b.k, at(i, 'k')),
    at(i, 'n1'),
  );
  const dn1 = await ops.addGradients(dqk, await ops.linearBackward(dv, b.v, at(i, 'v')), at(i, 'n1'));
  return ops.rmsNormBackward(dn1, b.inputNorm, at(i, 'n1'), dx);
}

/**
 * Called by {@link decoderBackwardFromHidden} before block `i`'s backward (blocks run last to first):
 * where an implementation re-runs a block's forward whose activations it did not keep (activation
 * checkpointing).
 */
export type BeforeBlockBackward = (i: number) => void | Promise<void>;

/**
 * The chain rule below the LM head, from dloss/d(final RMSNorm output) to every parameter's gradient
 * (accumulated by the ops).
 */
export async function decoderBackwardFromHidden<X>(
  c: DecoderConfig,
  ops: DecoderBackwardOps<X>,
  dFinal: X,
  beforeBlock?: BeforeBlockBackward,
): Promise<void> {
  const P = decoderParameters(c);
  let dx = await ops.rmsNormBackward(dFinal, P.finalNorm, at(-1, 'final'), null);
  for (let i = P.blocks.length - 1; i >= 0; i--) {
    await beforeBlock?.(i);
    dx = await decoderBlockBackward(c, ops, i, dx);
  }
  await ops.embedBackward(dx, P.embed, at(0, 'x'));
}

/**
 * The chain rule of {@link decoderForward}, from dloss/dlogits to every parameter's gradient (accumulated
 * by the ops; branch sums as in {@link decoderBlockBackward}). Tied embeddings: the head's dW lands on
 * the embedding's gradient before the lookup's scatter-add.
 */
export async function decoderBackward<X>(
  c: DecoderConfig,
  ops: DecoderBackwardOps<X>,
  dlogits: X,
  beforeBlock?: BeforeBlockBackward,
): Promise<void> {
  const dFinal = await ops.linearBackward(dlogits, decoderParameters(c).head, at(-1, 'logits'));
  await decoderBackwardFromHidden(c, ops, dFinal, beforeBlock);
}
