/**
 * The DecoderModel's configuration, read from a Hugging Face `config.json` (Llama, Qwen2 and Qwen3 families),
 * and the parameter list that follows from it, named exactly as Hugging Face names the weights so a
 * real checkpoint loads without conversion.
 */
import type { NamedTensor, NamedTensors } from './safetensors.js';
import { SeededRandom } from '../random.js';
import { CoreError } from '../errors.js';
import { ConfigError } from './config-error.js';
import { parseRopeScaling, ropeScalingToJson, type RopeScaling } from './config-rope.js';
import { decoderParameters, type LinearParameters } from './decoder-chain.js';

export { ConfigError };

/** Model families whose `config.json` this parser understands. */
export type DecoderFamily = 'llama' | 'qwen2' | 'qwen3';

/** A validated decoder configuration (camelCase mirror of the Hugging Face keys, plus derived values). */
export interface DecoderConfig {
  /** `model_type`; absent means `llama` (the project's own tiny configs may omit it). */
  modelType: DecoderFamily;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** Grouped-query heads; defaults to `numAttentionHeads` (plain multi-head attention). */
  numKeyValueHeads: number;
  /** `head_dim` if given, else hiddenSize / numAttentionHeads. */
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** `rope_scaling` (linear, dynamic, llama3 or yarn); null for plain RoPE. See rope-frequencies.ts. */
  ropeScaling: RopeScaling | null;
  tieWordEmbeddings: boolean;
  maxPositionEmbeddings: number;
  /** q/k/v projections carry a bias: always for Qwen2, `attention_bias` for Llama. */
  attentionBias: boolean;
  /** o_proj carries a bias: Llama's and Qwen3's `attention_bias` applies to o_proj too; Qwen2's o_proj never has one. */
  oProjBias: boolean;
  /** Per-head RMSNorm of q and k before RoPE (`q_norm`, `k_norm`): Qwen3. */
  qkNorm: boolean;
}

/**
 * Hugging Face defaults where a key is missing (LlamaConfig / Qwen2Config / Qwen3Config in transformers
 * 4.x); `headDim` null means hidden_size / num_attention_heads (Qwen3Config defaults head_dim to 128).
 */
const DEFAULTS: Record<
  DecoderFamily,
  { rmsNormEps: number; ropeTheta: number; tie: boolean; maxPos: number; headDim: number | null }
> = {
  llama: { rmsNormEps: 1e-6, ropeTheta: 10000, tie: false, maxPos: 2048, headDim: null },
  qwen2: { rmsNormEps: 1e-6, ropeTheta: 10000, tie: false, maxPos: 32768, headDim: null },
  qwen3: { rmsNormEps: 1e-6, ropeTheta: 10000, tie: false, maxPos: 32768, headDim: 128 },
};

function positiveInt(raw: Record<string, unknown>, key: string, fallback?: number): number {
  const v = raw[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new ConfigError(key, v, 'a positive integer');
  return v;
}

function positiveNumber(raw: Record<string, unknown>, key: string, fallback: number): number {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(key, v, 'a finite number > 0');
  return v;
}

function bool(raw: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ConfigError(key, v, 'true or false');
  return v;
}

/**
 * Parses and validates a Hugging Face `config.json` object. Unknown keys are ignored; keys that would
 * change the architecture in ways the decoders do not implement (an unsupported rope_scaling, mlp_bias,
 * a sliding window narrower than the context, interleaved or multimodal RoPE, tensor-parallel
 * pretraining slices, a non-SiLU activation) are rejected rather than silently producing different logits.
 */
export function parseDecoderConfig(json: unknown): DecoderConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError('(root)', json, 'a JSON object with the Hugging Face config keys');
  }
  const raw = json as Record<string, unknown>;
  const mt = raw.model_type ?? 'llama';
  if (mt !== 'llama' && mt !== 'qwen2' && mt !== 'qwen3') {
    throw new ConfigError('model_type', mt, '"llama", "qwen2" or "qwen3" (or absent, meaning llama)');
  }
  const modelType: DecoderFamily = mt;
  const d = DEFAULTS[modelType];

  const hiddenSize = positiveInt(raw, 'hidden_size');
  const numHiddenLayers = positiveInt(raw, 'num_hidden_layers');
  const numAttentionHeads = positiveInt(raw, 'num_attention_heads');
  const numKeyValueHeads = positiveInt(raw, 'num_key_value_heads', numAttentionHeads);
  const intermediateSize = positiveInt(raw, 'intermediate_size');
  const vocabSize = positiveInt(raw, 'vocab_size');
  const rmsNormEps = positiveNumber(raw, 'rms_norm_eps', d.rmsNormEps);
  const tieWordEmbeddings = bool(raw, 'tie_word_embeddings', d.tie);
  const maxPositionEmbeddings = positiveInt(raw, 'max_position_embeddings', d.maxPos);

  if (numAttentionHeads % numKeyValueHeads !== 0) {
    throw new ConfigError(
      'num_key_value_heads',
      numKeyValueHeads,
      `a divisor of num_attention_heads (${numAttentionHeads})`,
    );
  }
  let headDim: number;
  if ((raw.head_dim === undefined || raw.head_dim === null) && d.headDim !== null) {
    headDim = d.headDim;
  } else if (raw.head_dim === undefined || raw.head_dim === null) {
    if (hiddenSize % numAttentionHeads !== 0) {
      throw new ConfigError(
        'num_attention_heads',
        numAttentionHeads,
        `a divisor of hidden_size (${hiddenSize}) when head_dim is absent`,
      );
    }
    headDim = hiddenSize / numAttentionHeads;
  } else {
    headDim = positiveInt(raw, 'head_dim');
  }
  // RoPE's rotate-half pairs element i with i + headDim/2.
  if (headDim % 2 !== 0) {
    throw new ConfigError(
      raw.head_dim === undefined ? 'num_attention_heads' : 'head_dim',
      raw.head_dim ?? numAttentionHeads,
      `a value giving an even head_dim (got ${headDim})`,
    );
  }

  // Qwen2's attention hard-codes bias=True on q/k/v (bias=False on o_proj) and its configs carry no
  // attention_bias key, so the family is recognised by model_type; an explicit false contradicts that.
  let attentionBias: boolean;
  let oProjBias: boolean;
  if (modelType === 'qwen2') {
    if (raw.attention_bias !== undefined && raw.attention_bias !== true) {
      throw new ConfigError(
        'attention_bias',
        raw.attention_bias,
        'absent or true for model_type "qwen2" (Qwen2 always has q/k/v bias)',
      );
    }
    attentionBias = true;
    oProjBias = false;
  } else {
    // Llama and Qwen3 put attention_bias on all four projections.
    attentionBias = bool(raw, 'attention_bias', false);
    oProjBias = attentionBias;
  }
  const qkNorm = modelType === 'qwen3';
  if (raw.mlp_bias !== undefined && raw.mlp_bias !== false) {
    throw new ConfigError('mlp_bias', raw.mlp_bias, 'false or absent (MLP biases are not implemented)');
  }
  if (raw.hidden_act !== undefined && raw.hidden_act !== 'silu') {
    throw new ConfigError('hidden_act', raw.hidden_act, '"silu" (SwiGLU) or absent');
  }
  const { ropeTheta, ropeScaling } = parseRope(raw, maxPositionEmbeddings, d.ropeTheta);
  if (
    raw.partial_rotary_factor !== undefined &&
    raw.partial_rotary_factor !== null &&
    raw.partial_rotary_factor !== 1
  ) {
    throw new ConfigError(
      'partial_rotary_factor',
      raw.partial_rotary_factor,
      '1 or absent (RoPE over the whole head_dim)',
    );
  }
  checkSlidingWindow(raw, numHiddenLayers, maxPositionEmbeddings);
  // Llama's pretraining_tp > 1 splits every projection into slices summed in another order.
  if (raw.pretraining_tp !== undefined && raw.pretraining_tp !== null && raw.pretraining_tp !== 1) {
    throw new ConfigError(
      'pretraining_tp',
      raw.pretraining_tp,
      '1 or absent (sliced tensor-parallel projections are not implemented)',
    );
  }
  // SmolLM2 writes rope_interleaved: false; true would pair adjacent elements instead of rotate-half.
  if (raw.rope_interleaved !== undefined && raw.rope_interleaved !== false) {
    throw new ConfigError('rope_interleaved', raw.rope_interleaved, 'false or absent (rotate-half RoPE)');
  }
  // Qwen2.5 writes use_mrope: false; multimodal RoPE splits head_dim into sections per axis.
  if (raw.use_mrope !== undefined && raw.use_mrope !== false) {
    throw new ConfigError('use_mrope', raw.use_mrope, 'false or absent (multimodal RoPE is not implemented)');
  }

  return {
    modelType,
    hiddenSize,
    numHiddenLayers,
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    intermediateSize,
    vocabSize,
    rmsNormEps,
    ropeTheta,
    ropeScaling,
    tieWordEmbeddings,
    maxPositionEmbeddings,
    attentionBias,
    oProjBias,
    qkNorm,
  };
}

/**
 * rope_theta and rope_scaling, or transformers 5's `rope_parameters` object that carries both
 * (`{rope_theta, rope_type, …scaling keys}`); a config with both spellings (a checkpoint written from
 * one) must not disagree.
 */
function parseRope(
  raw: Record<string, unknown>,
  maxPositions: number,
  defaultTheta: number,
): { ropeTheta: number; ropeScaling: RopeScaling | null } {
  const params = raw.rope_parameters;
  if (params === undefined || params === null) {
    return {
      ropeTheta: positiveNumber(raw, 'rope_theta', defaultTheta),
      ropeScaling: parseRopeScaling(raw.rope_scaling, maxPositions),
    };
  }
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new ConfigError('rope_parameters', params, 'an object with rope_type and rope_theta');
  }
  const { rope_theta: theta, ...scaling } = params as Record<string, unknown>;
  const ropeTheta = positiveNumber(
    { 'rope_parameters.rope_theta': theta },
    'rope_parameters.rope_theta',
    raw.rope_theta === undefined ? defaultTheta : positiveNumber(raw, 'rope_theta', defaultTheta),
  );
  if (raw.rope_theta !== undefined && raw.rope_theta !== ropeTheta) {
    throw new ConfigError('rope_theta', raw.rope_theta, `absent or equal to rope_parameters.rope_theta (${ropeTheta})`);
  }
  const ropeScaling = parseRopeScaling(scaling, maxPositions, 'rope_parameters');
  // A checkpoint written from such a config carries both spellings; they must describe one scaling.
  const legacy = parseRopeScaling(raw.rope_scaling, maxPositions);
  if (legacy !== null && JSON.stringify(legacy) !== JSON.stringify(ropeScaling)) {
    throw new ConfigError('rope_scaling', raw.rope_scaling, 'null, absent or the same scaling as rope_parameters');
  }
  return { ropeTheta, ropeScaling };
}

/**
 * Sliding-window attention (Qwen2/Qwen3 `use_sliding_window`, Mistral-style `sliding_window` on a
 * Llama config, `layer_types` naming `sliding_attention`) is not implemented. It changes nothing, and is
 * accepted, when it is off, when it applies to no layer (`max_window_layers` ≥ num_hidden_layers), or
 * when the window covers max_position_embeddings, the longest sequence any engine here runs (the
 * sampler's position tables end there), so no query ever sees a key fall out of its window.
 */
function checkSlidingWindow(raw: Record<string, unknown>, layers: number, maxPositions: number): void {
  const layerTypes = raw.layer_types;
  if (layerTypes !== undefined && layerTypes !== null) {
    const known =
      Array.isArray(layerTypes) && layerTypes.every((t) => t === 'full_attention' || t === 'sliding_attention');
    if (!known || layerTypes.length !== layers) {
      throw new ConfigError(
        'layer_types',
        layerTypes,
        `a list of ${layers} "full_attention" or "sliding_attention" entries`,
      );
    }
  }
  const qwenStyle = raw.use_sliding_window !== undefined && raw.use_sliding_window !== null;
  if (qwenStyle && typeof raw.use_sliding_window !== 'boolean') {
    throw new ConfigError('use_sliding_window', raw.use_sliding_window, 'true or false');
  }
  let slidingLayers: number;
  if (Array.isArray(layerTypes)) {
    slidingLayers = layerTypes.filter((t) => t === 'sliding_attention').length;
  } else if (qwenStyle) {
    const from = raw.max_window_layers ?? 0;
    if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 0) {
      throw new ConfigError('max_window_layers', raw.max_window_layers, 'a non-negative integer');
    }
    // Qwen2 slides the layers from max_window_layers on.
    slidingLayers = raw.use_sliding_window === true ? Math.max(0, layers - from) : 0;
  } else {
    slidingLayers = raw.sliding_window === undefined || raw.sliding_window === null ? 0 : layers;
  }
  if (slidingLayers === 0) return;
  const window = raw.sliding_window;
  if (typeof window !== 'number' || !Number.isSafeInteger(window) || window <= 0) {
    throw new ConfigError('sliding_window', window, 'a positive integer when sliding-window attention is on');
  }
  if (window < maxPositions) {
    throw new ConfigError(
      'sliding_window',
      window,
      `≥ max_position_embeddings (${maxPositions}) while sliding-window attention is on for ${slidingLayers} layer(s): a sequence longer than the window would attend differently (sliding-window attention is not implemented); turn it off (use_sliding_window: false) or lower max_position_embeddings to ${window}`,
    );
  }
}

const ARCHITECTURES: Record<DecoderFamily, string> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  qwen3: 'Qwen3ForCausalLM',
};

/** Serialises a config back to Hugging Face `config.json` keys (so ONNX exporters and transformers read it). */
export function decoderConfigToJson(c: DecoderConfig): Record<string, unknown> {
  const json: Record<string, unknown> = {
    architectures: [ARCHITECTURES[c.modelType]],
    model_type: c.modelType,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    num_key_value_heads: c.numKeyValueHeads,
    head_dim: c.headDim,
    intermediate_size: c.intermediateSize,
    vocab_size: c.vocabSize,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    tie_word_embeddings: c.tieWordEmbeddings,
    max_position_embeddings: c.maxPositionEmbeddings,
    hidden_act: 'silu',
    torch_dtype: 'float32',
  };
  if (c.modelType !== 'qwen2') json.attention_bias = c.attentionBias;
  // Written even when null, so the checkpoint states it has no scaling (transformers reads null as plain RoPE).
  json.rope_scaling = ropeScalingToJson(c.ropeScaling);
  return json;
}

/** Role of a parameter, so initialisation and optimizers (no weight decay on norms/biases) can tell them apart. */
export type ParameterKind = 'embedding' | 'linear' | 'bias' | 'norm';

/** One parameter's Hugging Face name, shape (PyTorch Linear layout [out, in]) and role. */
export interface ParameterSpec {
  name: string;
  shape: number[];
  kind: ParameterKind;
}

/** The model's parameters in Hugging Face order and naming; `lm_head.weight` only when embeddings are untied. */
export function parameterSpecs(c: DecoderConfig): ParameterSpec[] {
  const P = decoderParameters(c);
  const h = c.hiddenSize;
  const specs: ParameterSpec[] = [{ name: P.embed, shape: [c.vocabSize, h], kind: 'embedding' }];
  const linear = (l: LinearParameters): void => {
    specs.push({ name: l.weight, shape: [l.out, l.in], kind: 'linear' });
    if (l.bias !== null) specs.push({ name: l.bias, shape: [l.out], kind: 'bias' });
  };
  for (const b of P.blocks) {
    specs.push({ name: b.inputNorm, shape: [h], kind: 'norm' });
    for (const l of [b.q, b.k, b.v, b.o]) linear(l);
    for (const norm of [b.qNorm, b.kNorm]) {
      if (norm !== null) specs.push({ name: norm, shape: [c.headDim], kind: 'norm' });
    }
    specs.push({ name: b.postNorm, shape: [h], kind: 'norm' });
    for (const l of [b.gate, b.up, b.down]) linear(l);
  }
  specs.push({ name: P.finalNorm, shape: [h], kind: 'norm' });
  if (!c.tieWordEmbeddings) linear(P.head);
  return specs;
}

/** Total number of scalar parameters of a config. */
export function parameterCount(c: DecoderConfig): number {
  return parameterSpecs(c).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** One problem found by {@link validateWeights}. */
export interface WeightIssue {
  tensor: string;
  problem: 'missing' | 'unexpected' | 'shape' | 'non-finite' | 'data-length';
  detail: string;
}

/** Weights that do not match a config; `issues` lists every problem, each naming its tensor. */
export class ModelWeightsError extends CoreError {
  override readonly name = 'ModelWeightsError';
  /** Creates the error from the full list of issues. */
  constructor(readonly issues: WeightIssue[]) {
    super(
      `weights do not match the config (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  ${i.tensor}: ${i.detail}`).join('\n'),
    );
  }
}

/**
 * Checks named tensors against the config: missing, unexpected, wrong shapes, data length ≠ shape,
 * non-finite values. Throws one {@link ModelWeightsError} listing every problem. A tied checkpoint that
 * still ships `lm_head.weight` is accepted when it equals the embedding (some exporters write both).
 * `valuesChecked`: tensors whose values the caller already checked and knows unchanged (a frozen base
 * fed again); their names, shapes and lengths are checked, their values are not scanned again.
 */
export function validateWeights(
  c: DecoderConfig,
  named: NamedTensors,
  options: { valuesChecked?: ReadonlySet<string> } = {},
): void {
  const issues: WeightIssue[] = [];
  const specs = parameterSpecs(c);
  const expected = new Set(specs.map((s) => s.name));
  for (const s of specs) {
    const t = named[s.name];
    if (!t) {
      issues.push({ tensor: s.name, problem: 'missing', detail: `missing (expected shape [${s.shape.join(', ')}])` });
      continue;
    }
    checkTensor(s.name, t, s.shape, issues, !options.valuesChecked?.has(s.name));
  }
  for (const name of Object.keys(named)) {
    if (expected.has(name)) continue;
    if (
      name === 'lm_head.weight' &&
      c.tieWordEmbeddings &&
      sameData(named[name]!, named['model.embed_tokens.weight'])
    ) {
      continue;
    }
    issues.push({
      tensor: name,
      problem: 'unexpected',
      detail: `unexpected tensor (shape [${named[name]!.shape.join(', ')}]) not in the ${c.modelType} parameter list`,
    });
  }
  if (issues.length > 0) throw new ModelWeightsError(issues);
}

function sameData(a: NamedTensor, b: NamedTensor | undefined): boolean {
  if (!b || a.data.length !== b.data.length) return false;
  if (a.data === b.data) return true;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

function checkTensor(name: string, t: NamedTensor, shape: number[], issues: WeightIssue[], scanValues: boolean): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    issues.push({
      tensor: name,
      problem: 'shape',
      detail: `shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`,
    });
    return;
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    issues.push({
      tensor: name,
      problem: 'data-length',
      detail: `data has ${t.data.length} values, shape [${shape.join(', ')}] needs ${count}`,
    });
    return;
  }
  if (!scanValues) return;
  let bad = 0;
  let first = -1;
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i]!)) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad > 0) {
    issues.push({
      tensor: name,
      problem: 'non-finite',
      detail: `${bad} non-finite value(s), first at flat index ${first} (${t.data[first]})`,
    });
  }
}

/** Hugging Face's `initializer_range` default: weights ~ N(0, 0.02²). */
export const INIT_STD = 0.02;

/** Seeded initial weights for tiny test models: linear/embedding N(0, 0.02²), norms 1, biases 0 (as HF's `_init_weights`). */
export function initWeights(c: DecoderConfig, seed: number, std = INIT_STD): NamedTensors {
  const rng = new SeededRandom(seed);
  const out: NamedTensors = {};
  for (const s of parameterSpecs(c)) {
    const data = new Float32Array(s.shape.reduce((a, b) => a * b, 1));
    if (s.kind === 'norm') data.fill(1);
    else if (s.kind !== 'bias') for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
    out[s.name] = { shape: [...s.shape], data };
  }
  return out;
}
