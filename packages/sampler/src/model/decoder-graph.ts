/**
 * The policy decoder (Llama/Qwen2/Qwen3 family) as an ONNX graph built in code from a {@link DecoderConfig},
 * with Hugging Face Optimum's input/output names so one runner serves this graph and Optimum exports:
 * input_ids, attention_mask, position_ids, past_key_values.{i}.key/value → logits, present.{i}.key/value.
 * The layer chain and every parameter name come from @rlvr/core's decoder description
 * (`decoderForward` with ops that record nodes, `decoderParameters`); this file only says how each op
 * becomes ONNX nodes.
 *
 * Layout choices (why):
 * - Hidden states stay 2-D [tokens, hidden] and every Linear is one Gemm with transB = 1, so weights are
 *   fed in PyTorch's [out, in] layout untouched (no transpose on `setWeights`) and biases fuse into it.
 * - Grouped-query attention never copies K/V per query head: queries [B, heads, S, D] are viewed as
 *   [B, kvHeads, group·S, D] (heads of a group are adjacent, as HF's repeat_kv pairs them).
 * - RoPE reads cos/sin tables (@rlvr/core's `ropeCosSin`, the angles every engine uses, rounded once
 *   to f32) by position id, which matches the reference exactly and costs a Gather instead of
 *   trigonometry per step.
 * - Qwen3's per-head q/k RMSNorm views [N, heads·D] as [N, heads, D], so the same RMSNorm nodes reduce
 *   over the last axis and the [D] gain broadcasts over heads.
 */
import {
  decoderForward,
  encodeOnnxModel,
  OnnxGraphBuilder,
  parameterSpecs,
  ropeCosSin,
  ONNX_INT64,
  type DecoderConfig,
  type DecoderForwardOps,
  type NamedTensors,
  type OnnxModel,
  type OnnxValueInfo,
} from '@rlvr/core';

/** How the graph receives its weights. */
export type WeightMode = 'inputs' | 'initializers';

/** Options of {@link buildDecoderGraph}. */
export interface DecoderGraphOptions {
  /**
   * `inputs` (default): every parameter is a graph input fed on each run, so new weights need no new
   * session. `initializers`: weights baked into the model (ORT pre-packs them; a weight change
   * rebuilds the session). Both are benchmarked.
   */
  weights?: WeightMode;
  /** The weights, required when `weights` is `initializers`. */
  named?: NamedTensors;
  /**
   * `append` (default): Optimum's convention, present = concat(past, new), which copies the whole cache
   * on every step. `shared`: the caller owns two preallocated caches that the graph only reads — one
   * prefix cache per prompt (`prefix.{i}.*`, [kvHeads, prompts, …]) and one cache of generated tokens
   * per row (`cache.{i}.*`) — and the graph returns just the new tokens' K/V, which the caller writes
   * into their slot. Keys are stored transposed ([…, D, length]) so QKᵀ needs no transpose. The M
   * samples of a prompt thus share one copy of its prompt's cache, and no step copies the cache. The
   * prefix attention of a prompt's rows is one product per prompt and KV head: the rows are gathered
   * into a prompt-major grid of slots ({@link SLOT_ROW}, {@link ROW_SLOT}). See {@link sharedKvNames}.
   */
  kvCache?: KvLayout;
  /**
   * LoRA adapters as extra graph inputs: each listed Linear computes x·Wᵀ + scale·((x·Aᵀ)·Bᵀ) (PEFT's
   * A [rank, in], B [out, rank]), so a trainer feeds its frozen base weights and its live adapters and
   * an update copies nothing (no merged W + scale·B·A).
   */
  lora?: LoraGraphSpec;
}

/** Which Linears of a decoder graph carry LoRA adapters as graph inputs, and the update's scale. */
export interface LoraGraphSpec {
  /** Rank r of every adapter. */
  rank: number;
  /** The update's scale (α/r, or α/√r with rsLoRA). */
  scale: number;
  /** By the wrapped Linear's weight name (e.g. `model.layers.0.self_attn.q_proj.weight`): the input names of its A and B. */
  adapters: Readonly<Record<string, { a: string; b: string }>>;
}

/** How a graph passes its KV cache: Optimum's concatenation, or caller-owned shared-prefix buffers. */
export type KvLayout = 'append' | 'shared';

/** Softmax input for masked keys: finite, so a fully masked (padding) row gives a uniform row, never NaN. */
const MASKED = -3.4028234663852886e38;

/** Names of the KV-cache graph inputs/outputs of layer `i` (Optimum convention). */
export function kvNames(i: number): { pastKey: string; pastValue: string; presentKey: string; presentValue: string } {
  return {
    pastKey: `past_key_values.${i}.key`,
    pastValue: `past_key_values.${i}.value`,
    presentKey: `present.${i}.key`,
    presentValue: `present.${i}.value`,
  };
}

/** Names of the shared-prefix cache inputs/outputs of layer `i` (the project's graph with `kvCache: 'shared'`). */
export function sharedKvNames(i: number): {
  prefixKeyT: string;
  prefixValue: string;
  cacheKeyT: string;
  cacheValue: string;
  newKey: string;
  newValue: string;
} {
  return {
    prefixKeyT: `prefix.${i}.key_t`,
    prefixValue: `prefix.${i}.value`,
    cacheKeyT: `cache.${i}.key_t`,
    cacheValue: `cache.${i}.value`,
    newKey: `new.${i}.key`,
    newValue: `new.${i}.value`,
  };
}

/**
 * The `shared` layout's int64 input [prompts · slotsPerPrompt]: the row in each slot of the prompt-major
 * grid (slot p·slotsPerPrompt + j holds prompt p's j-th row; an unused slot names any row, its result is
 * dropped). The grid turns a prompt's rows into one query block against the prompt's prefix.
 */
export const SLOT_ROW = 'slot_row';

/** The `shared` layout's int64 input [batch]: each row's slot in the {@link SLOT_ROW} grid. */
export const ROW_SLOT = 'row_slot';

/**
 * cos and sin tables [positions, headDim] of HF's rotate-half RoPE for positions 0 … max_position_embeddings − 1,
 * from @rlvr/core's one definition of the angles (rope_scaling applied, YaRN's gain included), each
 * half of a row repeated as the rotation reads it.
 */
export function ropeTables(config: DecoderConfig): { cos: Float32Array; sin: Float32Array } {
  const d = config.headDim;
  const half = d / 2;
  const n = config.maxPositionEmbeddings;
  const t = ropeCosSin(
    config,
    Int32Array.from({ length: n }, (_, p) => p),
  );
  const cos = new Float32Array(n * d);
  const sin = new Float32Array(n * d);
  for (let p = 0; p < n; p++) {
    for (let j = 0; j < half; j++) {
      cos[p * d + j] = cos[p * d + j + half] = t.cos[p * half + j]!;
      sin[p * d + j] = sin[p * d + j + half] = t.sin[p * half + j]!;
    }
  }
  return { cos, sin };
}

/**
 * The decoder graph as an ONNX model description (encode it with {@link encodeDecoderGraph}). The layer
 * chain is @rlvr/core's {@link decoderForward} run with ops that record nodes (a handle is an ONNX value
 * name), so this graph, the f64 reference and the kernels cannot drift apart in structure or naming.
 */
export async function buildDecoderGraph(config: DecoderConfig, options: DecoderGraphOptions = {}): Promise<OnnxModel> {
  const mode = options.weights ?? 'inputs';
  const g = new OnnxGraphBuilder();
  const c = config;
  const heads = c.numAttentionHeads;
  const kvHeads = c.numKeyValueHeads;
  const group = heads / kvHeads;
  const d = c.headDim;
  const specs = parameterSpecs(c);

  const inputs: OnnxValueInfo[] = [
    { name: 'input_ids', dims: ['batch_size', 'sequence_length'], elemType: ONNX_INT64 },
    { name: 'attention_mask', dims: ['batch_size', 'total_sequence_length'], elemType: ONNX_INT64 },
    { name: 'position_ids', dims: ['batch_size', 'sequence_length'], elemType: ONNX_INT64 },
  ];
  const outputs: OnnxValueInfo[] = [{ name: 'logits', dims: ['batch_size', 'sequence_length', c.vocabSize] }];
  const layout = options.kvCache ?? 'append';
  for (let i = 0; i < c.numHiddenLayers; i++) {
    if (layout === 'append') {
      const n = kvNames(i);
      inputs.push({ name: n.pastKey, dims: ['batch_size', kvHeads, 'past_sequence_length', d] });
      inputs.push({ name: n.pastValue, dims: ['batch_size', kvHeads, 'past_sequence_length', d] });
      outputs.push({ name: n.presentKey, dims: ['batch_size', kvHeads, 'total_sequence_length', d] });
      outputs.push({ name: n.presentValue, dims: ['batch_size', kvHeads, 'total_sequence_length', d] });
    } else {
      const n = sharedKvNames(i);
      inputs.push({ name: n.prefixKeyT, dims: [kvHeads, 'num_prompts', d, 'prefix_length'] });
      inputs.push({ name: n.prefixValue, dims: [kvHeads, 'num_prompts', 'prefix_length', d] });
      inputs.push({ name: n.cacheKeyT, dims: ['batch_size', kvHeads, d, 'cache_length'] });
      inputs.push({ name: n.cacheValue, dims: ['batch_size', kvHeads, 'cache_length', d] });
      outputs.push({ name: n.newKey, dims: ['batch_size', kvHeads, 'sequence_length', d] });
      outputs.push({ name: n.newValue, dims: ['batch_size', kvHeads, 'sequence_length', d] });
    }
  }
  if (layout === 'shared') {
    inputs.push({ name: SLOT_ROW, dims: ['num_slots'], elemType: ONNX_INT64 });
    inputs.push({ name: ROW_SLOT, dims: ['batch_size'], elemType: ONNX_INT64 });
  }
  const lora = options.lora;
  if (lora) {
    const byName = new Map(specs.map((s) => [s.name, s.shape]));
    for (const [weight, { a, b }] of Object.entries(lora.adapters)) {
      const shape = byName.get(weight);
      if (!shape || shape.length !== 2) {
        throw new TypeError(
          `buildDecoderGraph: lora adapter on ${weight}, not a Linear weight of the ${c.modelType} graph`,
        );
      }
      inputs.push({ name: a, dims: [lora.rank, shape[1]!] });
      inputs.push({ name: b, dims: [shape[0]!, lora.rank] });
    }
  }
  if (mode === 'inputs') {
    for (const s of specs) inputs.push({ name: s.name, dims: s.shape });
  } else {
    const named = options.named;
    if (!named) throw new TypeError('buildDecoderGraph: weights "initializers" needs options.named');
    for (const s of specs) g.floats(s.name, s.shape, Float32Array.from(named[s.name]!.data));
  }

  // Shapes and lengths shared by all layers.
  const bs = g.op('Shape', ['input_ids']); // [B, S]
  const seqLen = g.op('Gather', [bs, g.ints([1])], [{ name: 'axis', value: 0 }]); // [1]
  // Slots before the new tokens: the past length (append), or prefix + generated-cache capacity (shared).
  const lengthOf = (input: string): string =>
    g.op('Gather', [g.op('Shape', [input]), g.ints([2])], [{ name: 'axis', value: 0 }]); // [1]
  const prefixLen = layout === 'shared' ? lengthOf(sharedKvNames(0).prefixValue) : '';
  const cacheLen = layout === 'shared' ? lengthOf(sharedKvNames(0).cacheValue) : '';
  const pastLen = layout === 'append' ? lengthOf(kvNames(0).pastKey) : g.op('Add', [prefixLen, cacheLen]);
  const totalLen = g.op('Add', [pastLen, seqLen]);
  const zeroAxis = g.ints([0]);
  const pastScalar = g.op('Squeeze', [pastLen, zeroAxis]);
  const totalScalar = g.op('Squeeze', [totalLen, zeroAxis]);
  const one = g.intScalar(1);
  const keyIdx = g.op('Range', [g.intScalar(0), totalScalar, one]); // [T]
  const queryIdx = g.op('Range', [pastScalar, totalScalar, one]); // [S]: each new token's slot in the cache
  const causal = g.op('LessOrEqual', [
    g.op('Unsqueeze', [keyIdx, g.ints([0])]),
    g.op('Unsqueeze', [queryIdx, g.ints([1])]),
  ]); // [S, T]
  const padMask = g.op('Unsqueeze', [g.op('Cast', ['attention_mask'], [{ name: 'to', value: 9 }]), g.ints([1, 2])]); // [B, 1, 1, T]
  let allowed = g.op('And', [causal, padMask]); // [B, 1, S, T]
  if (group > 1) allowed = g.op('Tile', [allowed, g.ints([1, 1, group, 1])]); // [B, 1, group·S, T], rows (g, s)

  const tables = ropeTables(c);
  const cosTable = g.floats('rope.cos', [c.maxPositionEmbeddings, d], tables.cos);
  const sinTable = g.floats('rope.sin', [c.maxPositionEmbeddings, d], tables.sin);
  const headAxis = g.ints([2]);
  const cos = g.op('Unsqueeze', [g.op('Gather', [cosTable, 'position_ids'], [{ name: 'axis', value: 0 }]), headAxis]); // [B, S, 1, D]
  const sin = g.op('Unsqueeze', [g.op('Gather', [sinTable, 'position_ids'], [{ name: 'axis', value: 0 }]), headAxis]);
  const qShape = g.op('Concat', [bs, g.ints([heads, d])], [{ name: 'axis', value: 0 }]);
  const kvShape = g.op('Concat', [bs, g.ints([kvHeads, d])], [{ name: 'axis', value: 0 }]);
  const groupedShape = g.ints([0, kvHeads, -1, d]);
  const headsShape = g.ints([0, heads, -1, d]);
  const flatShape = g.ints([-1, heads * d]);
  const scale = g.float(1 / Math.sqrt(d));
  const eps = g.float(c.rmsNormEps);
  const masked = g.float(MASKED);
  const splitSizes =
    layout === 'shared' ? g.op('Concat', [prefixLen, cacheLen, seqLen], [{ name: 'axis', value: 0 }]) : '';
  // Grid shapes of the shared prefix attention: [kvH, prompts, slotsPerPrompt·group·S, ·] for the
  // per-prompt products, [kvH, slots, group·S, ·] around them. Explicit sizes, no -1: a prefill has an
  // empty prefix, and Reshape cannot infer a dim of 0 elements.
  const slotGridShapes = (): Record<'perPrompt' | 'perPromptScores' | 'slotScores' | 'slotContext', string> => {
    const axis0 = [{ name: 'axis', value: 0 }];
    const prompts = g.op('Gather', [g.op('Shape', [sharedKvNames(0).prefixValue]), g.ints([1])], axis0);
    const slots = g.op('Shape', [SLOT_ROW]);
    const groupRows = g.op('Mul', [g.ints([group]), seqLen]);
    const promptRows = g.op('Mul', [g.op('Div', [slots, prompts]), groupRows]);
    const kvH = g.ints([kvHeads]);
    const dim = g.ints([d]);
    const shape = (...parts: string[]): string => g.op('Concat', parts, axis0);
    return {
      perPrompt: shape(kvH, prompts, promptRows, dim),
      perPromptScores: shape(kvH, prompts, promptRows, prefixLen),
      slotScores: shape(kvH, slots, groupRows, prefixLen),
      slotContext: shape(kvH, slots, groupRows, dim),
    };
  };
  const gridShapes = layout === 'shared' ? slotGridShapes() : null;
  // Per-head views [N, heads, D] and back [N, heads·D] for Qwen3's q/k norms, one pair per head count.
  const headViews = new Map<number, { split: string; flat: string }>();
  const headView = (n: number): { split: string; flat: string } => {
    let view = headViews.get(n);
    if (!view) headViews.set(n, (view = { split: g.ints([-1, n, d]), flat: g.ints([-1, n * d]) }));
    return view;
  };

  const rmsNorm = (x: string, weight: string): string => {
    const meanSquare = g.op(
      'ReduceMean',
      [g.op('Mul', [x, x])],
      [
        { name: 'axes', value: [-1] },
        { name: 'keepdims', value: 1 },
      ],
    );
    return g.op('Mul', [g.op('Div', [x, g.op('Sqrt', [g.op('Add', [meanSquare, eps])])]), weight]);
  };
  const rope = (x: string): string => {
    const [x1, x2] = g.ops('Split', [x], 2, [{ name: 'axis', value: -1 }]) as [string, string];
    const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], [{ name: 'axis', value: -1 }]);
    return g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [rotated, sin])]);
  };
  const toHeads = [{ name: 'perm', value: [0, 2, 1, 3] }];
  const transposeLast = [{ name: 'perm', value: [0, 1, 3, 2] }];

  /** RoPE + causal GQA of layer `layer` over q/k/v [N, ·], reading and writing its KV cache; [N, heads·D]. */
  const attention = (qFlat: string, kFlat: string, vFlat: string, layer: number): string => {
    const q = rope(g.op('Reshape', [qFlat, qShape])); // [B, S, heads, D]
    const k = rope(g.op('Reshape', [kFlat, kvShape]));
    const v = g.op('Reshape', [vFlat, kvShape]);
    const qGrouped = g.op('Reshape', [g.op('Mul', [g.op('Transpose', [q], toHeads), scale]), groupedShape]); // [B, kvH, group·S, D]
    let rawContext: string;
    if (layout === 'append') {
      const n = kvNames(layer);
      const presentKey = g.op(
        'Concat',
        [n.pastKey, g.op('Transpose', [k], toHeads)],
        [{ name: 'axis', value: 2 }],
        n.presentKey,
      );
      const presentValue = g.op(
        'Concat',
        [n.pastValue, g.op('Transpose', [v], toHeads)],
        [{ name: 'axis', value: 2 }],
        n.presentValue,
      );
      const scores = g.op('MatMul', [qGrouped, g.op('Transpose', [presentKey], transposeLast)]);
      const probs = g.op('Softmax', [g.op('Where', [allowed, scores, masked])], [{ name: 'axis', value: -1 }]);
      rawContext = g.op('MatMul', [probs, presentValue]);
    } else {
      // Scores against the row's prompt prefix, its generated tokens and the new tokens, one softmax over
      // all three; only scores are concatenated. The prefix part runs on the slot grid: one product per
      // prompt and KV head covers all of the prompt's rows, and only queries, scores and contexts move
      // between row order and slot order (the prefix cache is read in place, never copied per row).
      const n = sharedKvNames(layer);
      const grid = gridShapes!;
      const kvMajor = [{ name: 'perm', value: [1, 0, 2, 3] }];
      const axis1 = [{ name: 'axis', value: 1 }];
      /** [B, kvH, group·S, ·] in row order → [kvH, prompts, slotsPerPrompt·group·S, ·] (`shape`). */
      const toGrid = (x: string, shape: string): string =>
        g.op('Reshape', [g.op('Gather', [g.op('Transpose', [x], kvMajor), SLOT_ROW], axis1), shape]);
      /** [kvH, prompts, slotsPerPrompt·group·S, ·] → [kvH, slots, group·S, ·] (`shape`) → [B, kvH, group·S, ·] in row order. */
      const fromGrid = (x: string, shape: string): string =>
        g.op('Transpose', [g.op('Gather', [g.op('Reshape', [x, shape]), ROW_SLOT], axis1)], kvMajor);
      const newKey = g.op('Transpose', [k], toHeads, n.newKey);
      const newValue = g.op('Transpose', [v], toHeads, n.newValue);
      const scores = g.op(
        'Concat',
        [
          fromGrid(g.op('MatMul', [toGrid(qGrouped, grid.perPrompt), n.prefixKeyT]), grid.slotScores),
          g.op('MatMul', [qGrouped, n.cacheKeyT]),
          g.op('MatMul', [qGrouped, g.op('Transpose', [newKey], transposeLast)]),
        ],
        [{ name: 'axis', value: -1 }],
      );
      const probs = g.op('Softmax', [g.op('Where', [allowed, scores, masked])], [{ name: 'axis', value: -1 }]);
      const [prefixProbs, cacheProbs, newProbs] = g.ops('Split', [probs, splitSizes], 3, [
        { name: 'axis', value: -1 },
      ]) as [string, string, string];
      rawContext = g.op('Add', [
        g.op('Add', [
          fromGrid(g.op('MatMul', [toGrid(prefixProbs, grid.perPromptScores), n.prefixValue]), grid.slotContext),
          g.op('MatMul', [cacheProbs, n.cacheValue]),
        ]),
        g.op('MatMul', [newProbs, newValue]),
      ]);
    }
    const context = g.op('Reshape', [rawContext, headsShape]); // [B, heads, S, D]
    return g.op('Reshape', [g.op('Transpose', [context], toHeads), flatShape]); // [N, heads·D]
  };

  const transB = [{ name: 'transB', value: 1 }];
  // The chain's ops record nodes; hidden states are [N = B·S, ·] throughout.
  const ops: DecoderForwardOps<string> = {
    embed: (weight) =>
      g.op('Gather', [weight, g.op('Reshape', ['input_ids', g.ints([-1])])], [{ name: 'axis', value: 0 }]), // [N, H]
    rmsNorm: (x, weight) => rmsNorm(x, weight),
    headNorm: (x, weight, n) => {
      const view = headView(n);
      return g.op('Reshape', [rmsNorm(g.op('Reshape', [x, view.split]), weight), view.flat]);
    },
    linear: (x, p) => {
      const y = g.op('Gemm', p.bias === null ? [x, p.weight] : [x, p.weight, p.bias], transB);
      const adapter = lora?.adapters[p.weight];
      if (!adapter) return y;
      // The adapter's two thin products, never the merged [out, in] matrix: x·Aᵀ is [N, r].
      const down = g.op('Gemm', [x, adapter.a], transB);
      return g.op('Add', [
        y,
        g.op('Gemm', [down, adapter.b], [...transB, { name: 'alpha', value: lora!.scale, float: true }]),
      ]);
    },
    attention: (q, k, v, site) => attention(q, k, v, site.layer),
    residual: (a, b) => g.op('Add', [a, b]),
    swiglu: (gate, up) => g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]),
  };
  const logits2d = await decoderForward(c, ops);
  const logitsShape = g.op('Concat', [bs, g.ints([c.vocabSize])], [{ name: 'axis', value: 0 }]);
  g.op('Reshape', [logits2d, logitsShape], [], 'logits');

  return {
    nodes: g.nodes,
    inputs,
    outputs,
    initializers: g.initializers,
    graphName: `rlvr-${c.modelType}-decoder`,
    producer: '@rlvr/sampler',
    opset: 17,
  };
}

/** The decoder graph as ONNX bytes for `InferenceSession.create`. */
export async function encodeDecoderGraph(
  config: DecoderConfig,
  options: DecoderGraphOptions = {},
): Promise<Uint8Array> {
  return encodeOnnxModel(await buildDecoderGraph(config, options));
}
