/**
 * One ONNX Runtime session of a causal decoder in Hugging Face Optimum's convention (the graph built by
 * {@link buildDecoderGraph} or a user's export): runs a step with a KV cache, checks the graph's
 * inputs/outputs when loaded and the weights when swapped, naming the file or tensor at fault.
 */
import * as ort from 'onnxruntime-node';
import { parameterCount, parameterSpecs, validateWeights, type DecoderConfig, type NamedTensors } from '@rlvr/core';
import { ModelLoadError } from '../errors.js';
import {
  encodeDecoderGraph,
  kvNames,
  ROW_SLOT,
  sharedKvNames,
  SLOT_ROW,
  type KvLayout,
  type LoraGraphSpec,
  type WeightMode,
} from './decoder-graph.js';
import type { DecodeCache } from './decode-cache.js';
import { FrozenBase } from './frozen-base.js';
import { assertDeviceStarts, type SamplerDevice } from './execution-device.js';
import { sessionOptions, type SessionThreading } from './session-options.js';

/** The per-layer K and V caches of a batch: each [batch, kvHeads, length, headDim], row-major. */
export interface KvCache {
  batch: number;
  length: number;
  keys: Float32Array[];
  values: Float32Array[];
}

/** What the sampler needs to know about a model's shapes. */
export interface CausalLmGeometry {
  numLayers: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  /** Longest sequence (prompt + completion) the model supports. */
  maxContext: number;
}

/** Inputs of one {@link CausalLm.step}: `seq` new tokens for each of `batch` rows after `past`. */
export interface StepInputs {
  batch: number;
  seq: number;
  inputIds: BigInt64Array;
  /** [batch, past.length + seq]: 1 for real tokens, 0 for padding. */
  attentionMask: BigInt64Array;
  positionIds: BigInt64Array;
  past: KvCache | null;
}

/** Logits [batch, seq, vocab] and the extended cache. */
export interface StepOutputs {
  logits: Float32Array;
  present: KvCache;
}

/** Session options used everywhere: the device (CPU or WebGPU execution provider), all graph optimizations, threads from the machine. */
export type CausalLmOptions = SessionThreading;

/**
 * How {@link CausalLm.fromWeights} passes the weights: a {@link WeightMode}, or `auto` (the default),
 * which picks `initializers` on the CPU from {@link AUTO_INITIALIZERS_MIN_PARAMETERS} parameters up and
 * `inputs` below, and always `initializers` on `webgpu` (see {@link resolveWeightMode}).
 */
export type CausalLmWeightMode = WeightMode | 'auto';

/**
 * From this many parameters up, `weightMode: 'auto'` bakes the weights in as initializers. ORT then
 * pre-packs the Gemm weights once per session, which made decoding faster at 30M parameters in the
 * benchmark's interleaved runs (docs/benchmarks/sampler.md), and the session rebuild it costs per
 * `setWeights` (≈ 0.3–0.4 s at 30M) is small against one step's sampling (tens of seconds for a group).
 * Below it, models are test- and demo-sized: sampling takes milliseconds, so a rebuild per weight update
 * would dominate and weights stay graph inputs.
 */
export const AUTO_INITIALIZERS_MIN_PARAMETERS = 4_000_000;

/** The most f32 weight bytes `weightMode: 'auto'` bakes into a graph: ONNX's 2 GiB protobuf limit less 64 MiB for the graph itself. */
export const MAX_INITIALIZER_BYTES = 2 ** 31 - 64 * 2 ** 20;

/**
 * The {@link WeightMode} that `mode` means for `config` on `device` (`auto` resolved by parameter count
 * on the CPU; `inputs` on any device when the weights pass {@link MAX_INITIALIZER_BYTES}). On webgpu `auto` is always `initializers`: weights then live on the GPU instead of being
 * uploaded on every run, and ORT compiles fewer kernels at each new shape, which dominates there (a
 * tiny model's greedy rollouts on lavapipe, docs/benchmarks/sampler-webgpu.md: 12.3 s as inputs,
 * 0.9 s as initializers).
 */
export function resolveWeightMode(
  config: DecoderConfig,
  mode: CausalLmWeightMode = 'auto',
  device: SamplerDevice = 'cpu',
): WeightMode {
  if (mode !== 'auto') return mode;
  // A graph is one protobuf, which ONNX caps at 2 GiB: f32 weights past it (Llama-3.2-1B's are 4.9 GB) stay inputs.
  if (parameterCount(config) * 4 > MAX_INITIALIZER_BYTES) return 'inputs';
  if (device === 'webgpu') return 'initializers';
  return parameterCount(config) >= AUTO_INITIALIZERS_MIN_PARAMETERS ? 'initializers' : 'inputs';
}

/** LoRA adapters run inside the graph: which Linears they wrap, and their A and B tensors by input name. */
export interface CausalLmLora {
  spec: LoraGraphSpec;
  /** A [rank, in] and B [out, rank] of every adapter in `spec`, fed without a copy when already f32. */
  adapters: NamedTensors;
}

/** Checks that `adapters` holds every A and B of `spec` with its shape; the error names each wrong tensor. */
function checkAdapters(config: DecoderConfig, spec: LoraGraphSpec, adapters: NamedTensors, source: string): void {
  const shapes = new Map(parameterSpecs(config).map((s) => [s.name, s.shape]));
  const problems: string[] = [];
  for (const [weight, { a, b }] of Object.entries(spec.adapters)) {
    const [out, inp] = shapes.get(weight) ?? [];
    for (const [name, shape] of [
      [a, [spec.rank, inp]],
      [b, [out, spec.rank]],
    ] as const) {
      const t = adapters[name];
      if (!t) problems.push(`${name}: missing (expected shape [${shape.join(', ')}])`);
      else if (
        t.shape.length !== 2 ||
        t.shape[0] !== shape[0] ||
        t.shape[1] !== shape[1] ||
        t.data.length !== shape[0]! * shape[1]!
      ) {
        problems.push(
          `${name}: shape [${t.shape.join(', ')}] with ${t.data.length} values, expected [${shape.join(', ')}]`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ModelLoadError(source, `LoRA adapters: ${problems.join('; ')}`);
}

/** A causal LM behind an ORT session. */
export class CausalLm {
  private weightFeeds: Record<string, ort.Tensor> = {};
  private adapterFeeds: Record<string, ort.Tensor> = {};
  /** A LoRA graph's validated base arrays, whose values a later update does not scan again (see frozen-base.ts). */
  private readonly frozenBase = new FrozenBase();
  private readonly hasPositionIds: boolean;
  private readonly hasCacheBranch: boolean;
  /** How the graph passes its KV cache: Optimum's `append`, or the project's `shared` prefix + per-row buffers. */
  readonly kvLayout: KvLayout;

  private constructor(
    private session: ort.InferenceSession,
    /** Shapes the sampler relies on. */
    readonly geometry: CausalLmGeometry,
    private readonly source: string,
    private readonly decoder: {
      config: DecoderConfig;
      mode: WeightMode;
      kvCache: KvLayout;
      options: CausalLmOptions;
      lora: LoraGraphSpec | null;
    } | null,
    /** The execution provider the session runs on. */
    readonly device: SamplerDevice = decoder?.options.device ?? 'cpu',
  ) {
    const inputs = new Set(session.inputNames);
    const outputs = new Set(session.outputNames);
    this.kvLayout = inputs.has(sharedKvNames(0).prefixKeyT) ? 'shared' : 'append';
    const missing: string[] = [];
    for (const name of ['input_ids', 'attention_mask']) if (!inputs.has(name)) missing.push(`input ${name}`);
    if (!outputs.has('logits')) missing.push('output logits');
    for (let i = 0; i < geometry.numLayers; i++) {
      const [pastKey, pastValue, presentKey, presentValue] = this.kvIo(i);
      for (const name of [pastKey, pastValue]) if (!inputs.has(name)) missing.push(`input ${name}`);
      for (const name of [presentKey, presentValue]) if (!outputs.has(name)) missing.push(`output ${name}`);
    }
    if (missing.length > 0) {
      throw new ModelLoadError(
        source,
        `not a decoder with a KV cache in the Optimum convention; missing ${missing.join(', ')} (has inputs ${session.inputNames.join(', ')})`,
      );
    }
    this.hasPositionIds = inputs.has('position_ids');
    // Optimum's "merged" decoders switch between the no-cache and cache branches with this flag.
    this.hasCacheBranch = inputs.has('use_cache_branch');
  }

  /**
   * Builds the project's decoder graph for `config` and loads `weights` into it. Defaults: `weightMode:
   * 'auto'` (pre-packed initializers for models of {@link AUTO_INITIALIZERS_MIN_PARAMETERS} parameters
   * and up, so `setWeights` rebuilds the session; graph inputs below, so it only re-points the feeds),
   * and the `shared` KV cache (one prompt cache per group, no per-step copies). With `lora`, the
   * adapters run inside the graph on top of `weights` (the frozen base), fed as inputs too.
   */
  static async fromWeights(
    config: DecoderConfig,
    weights: NamedTensors,
    options: CausalLmOptions & { weightMode?: CausalLmWeightMode; kvCache?: KvLayout; lora?: CausalLmLora } = {},
  ): Promise<CausalLm> {
    const { lora, ...rest } = options;
    const source = `decoder graph (${config.modelType})`;
    validateWeights(config, weights);
    if (lora) checkAdapters(config, lora.spec, lora.adapters, source);
    const mode = resolveWeightMode(config, rest.weightMode, rest.device);
    const kvCache = rest.kvCache ?? 'shared';
    const spec = lora?.spec ?? null;
    const bytes = await encodeDecoderGraph(config, {
      weights: mode,
      named: weights,
      kvCache,
      ...(spec ? { lora: spec } : {}),
    });
    await assertDeviceStarts(rest.device ?? 'cpu');
    const session = await ort.InferenceSession.create(bytes, sessionOptions(rest));
    const lm = new CausalLm(session, geometryOf(config), source, { config, mode, kvCache, options: rest, lora: spec });
    if (mode === 'inputs') lm.feedWeights(weights);
    if (lora) {
      lm.adapterFeeds = tensorFeeds(lora.adapters);
      lm.frozenBase.record(weights);
    }
    return lm;
  }

  /**
   * Loads an ONNX file in the Optimum convention; the number of layers, KV heads and head size are read
   * from the graph's `past_key_values.*` inputs, `maxContext` from the caller (config.json).
   */
  static async fromOnnxFile(file: string, maxContext: number, options: CausalLmOptions = {}): Promise<CausalLm> {
    await assertDeviceStarts(options.device ?? 'cpu');
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, sessionOptions(options));
    } catch (error) {
      throw new ModelLoadError(file, `ONNX Runtime cannot load it: ${(error as Error).message}`);
    }
    const layers = session.inputNames.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
    const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
    const logitsMeta = session.outputMetadata.find((m) => m.name === 'logits');
    const kvShape = meta?.isTensor ? meta.shape : [];
    const vocab = logitsMeta?.isTensor ? logitsMeta.shape[2] : undefined;
    if (layers === 0 || typeof kvShape[1] !== 'number' || typeof kvShape[3] !== 'number' || typeof vocab !== 'number') {
      throw new ModelLoadError(
        file,
        `expected inputs past_key_values.{i}.key with fixed [*, kvHeads, *, headDim] and output logits with a fixed vocab size (inputs: ${session.inputNames.join(', ')})`,
      );
    }
    return new CausalLm(
      session,
      { numLayers: layers, numKvHeads: kvShape[1], headDim: kvShape[3], vocabSize: vocab, maxContext },
      file,
      null,
      options.device ?? 'cpu',
    );
  }

  /** How this model receives its weights (`auto` resolved); null for an ONNX file (weights inside). */
  get weightMode(): WeightMode | null {
    return this.decoder?.mode ?? null;
  }

  /** The LoRA adapters this graph runs on top of its weights (`fromWeights`' `lora`), or null. */
  get lora(): LoraGraphSpec | null {
    return this.decoder?.lora ?? null;
  }

  /**
   * Swaps the policy's weights. With weights as graph inputs this only re-points the feeds (no new
   * session); with initializers it rebuilds the session. Every tensor is checked against the config
   * first; the error lists each wrong tensor by name and the old weights stay in use. A graph with
   * LoRA adapters (`fromWeights`' `lora`) takes its adapters too, fed the same way as weight inputs;
   * its base is frozen, so a base array it already validated (the same object, the same shape) is not
   * scanned for non-finite values again: write a LoRA graph's base arrays in place and the change goes
   * unchecked. Every new array, and every array of a graph without LoRA, is checked in full.
   */
  async setWeights(weights: NamedTensors, adapters?: NamedTensors): Promise<void> {
    if (!this.decoder) {
      throw new ModelLoadError(
        this.source,
        "setWeights needs the project's decoder graph (fromWeights); an ONNX file has its weights inside",
      );
    }
    const { config, mode, kvCache, options, lora } = this.decoder;
    // Only a LoRA graph's base is frozen; a full fine-tune writes the same arrays in place, so they are rescanned.
    validateWeights(config, weights, lora ? { valuesChecked: this.frozenBase.unchanged(weights) } : {});
    if (lora && !adapters) {
      throw new ModelLoadError(this.source, 'setWeights: this graph runs LoRA adapters; pass them');
    }
    if (!lora && adapters) throw new ModelLoadError(this.source, 'setWeights: adapters given to a graph without LoRA');
    if (lora) checkAdapters(config, lora, adapters!, this.source);
    if (mode === 'inputs') {
      this.feedWeights(weights);
    } else {
      const session = await ort.InferenceSession.create(
        await encodeDecoderGraph(config, { weights: mode, named: weights, kvCache, ...(lora ? { lora } : {}) }),
        sessionOptions(options),
      );
      await this.session.release();
      this.session = session;
    }
    if (adapters) this.adapterFeeds = tensorFeeds(adapters);
    if (lora) this.frozenBase.record(weights);
  }

  /**
   * The arrays fed as the weight inputs at every run, by name: the caller's own Float32Arrays from
   * {@link CausalLm.fromWeights} or the last {@link CausalLm.setWeights}, not copies (empty with
   * initializers), LoRA adapters included; ORT's CPU provider reads them in place, so changes to them
   * show at the next run.
   */
  get weightInputs(): Readonly<Record<string, Float32Array>> {
    return Object.fromEntries(
      Object.entries({ ...this.weightFeeds, ...this.adapterFeeds }).map(([name, t]) => [name, t.data as Float32Array]),
    );
  }

  private feedWeights(weights: NamedTensors): void {
    const wanted = new Set(this.session.inputNames);
    // Skips e.g. a tied checkpoint's duplicate lm_head.weight (validated equal).
    this.weightFeeds = tensorFeeds(Object.fromEntries(Object.entries(weights).filter(([name]) => wanted.has(name))));
  }

  /** Graph names of layer i's cache: [past key, past value, output key, output value]. */
  private kvIo(i: number): [string, string, string, string] {
    if (this.kvLayout === 'append') {
      const n = kvNames(i);
      return [n.pastKey, n.pastValue, n.presentKey, n.presentValue];
    }
    const n = sharedKvNames(i);
    return [n.cacheKeyT, n.cacheValue, n.newKey, n.newValue];
  }

  /** The feeds shared by every run: weights, ids, mask, positions. */
  private baseFeeds(
    batch: number,
    seq: number,
    inputIds: BigInt64Array,
    attentionMask: BigInt64Array,
    positionIds: BigInt64Array,
    pastLength: number,
  ): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {
      ...this.weightFeeds,
      ...this.adapterFeeds,
      input_ids: new ort.Tensor('int64', inputIds, [batch, seq]),
      attention_mask: new ort.Tensor('int64', attentionMask, [batch, attentionMask.length / batch]),
    };
    if (this.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', positionIds, [batch, seq]);
    if (this.hasCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', [pastLength > 0], [1]);
    return feeds;
  }

  /** One sequence from an empty cache at positions 0…n−1: its logits at every position and its cache. */
  prefill(ids: readonly number[]): Promise<StepOutputs> {
    const n = ids.length;
    return this.step({
      batch: 1,
      seq: n,
      inputIds: BigInt64Array.from(ids, BigInt),
      attentionMask: new BigInt64Array(n).fill(1n),
      positionIds: BigInt64Array.from(ids, (_, i) => BigInt(i)),
      past: null,
    });
  }

  /**
   * Runs `seq` new tokens per row after `past` (null: empty cache) and returns logits and the cache
   * extended by them (Optimum semantics). A shared-cache graph supports only `past: null` here (a
   * prefill; `present` is then the new tokens' K/V); its decoding goes through {@link CausalLm.decode}.
   */
  async step(inputs: StepInputs): Promise<StepOutputs> {
    const { batch, seq } = inputs;
    const g = this.geometry;
    const pastLength = inputs.past?.length ?? 0;
    if (
      inputs.inputIds.length !== batch * seq ||
      inputs.positionIds.length !== batch * seq ||
      inputs.attentionMask.length !== batch * (pastLength + seq)
    ) {
      throw new ModelLoadError(
        'input_ids/position_ids/attention_mask',
        `expected ${batch}×${seq} ids and positions and ${batch}×${pastLength + seq} mask entries, got ${inputs.inputIds.length}, ${inputs.positionIds.length}, ${inputs.attentionMask.length}`,
      );
    }
    if (this.kvLayout === 'shared' && inputs.past) {
      throw new ModelLoadError(this.source, 'a shared-cache graph decodes through decode(cache, …), not step(past)');
    }
    if (this.kvLayout === 'shared') return this.sharedPrefill(inputs);
    const feeds = this.baseFeeds(batch, seq, inputs.inputIds, inputs.attentionMask, inputs.positionIds, pastLength);
    const empty = new Float32Array(0);
    const kvDims = [batch, g.numKvHeads, pastLength, g.headDim];
    for (let i = 0; i < g.numLayers; i++) {
      const [pastKey, pastValue] = this.kvIo(i);
      feeds[pastKey] = new ort.Tensor('float32', inputs.past?.keys[i] ?? empty, kvDims);
      feeds[pastValue] = new ort.Tensor('float32', inputs.past?.values[i] ?? empty, kvDims);
    }
    const { logits, keys, values } = await this.run(feeds);
    return { logits, present: { batch, length: pastLength + seq, keys, values } };
  }

  /**
   * A shared-cache graph's prefill. Its prefix and generated-token caches hold one masked, zero slot
   * each instead of none: ORT's WebGPU MatMul crashes the process (SIGSEGV, onnxruntime-node 1.30) on
   * an inner dimension of 0, which the products of the probabilities with empty caches would have. A
   * masked slot's probability is exactly 0 (the exponential of the graph's masked score), so it adds
   * exact zeros on every device.
   */
  private async sharedPrefill(inputs: StepInputs): Promise<StepOutputs> {
    const { batch, seq } = inputs;
    const g = this.geometry;
    const mask = new BigInt64Array(batch * (2 + seq));
    for (let r = 0; r < batch; r++) mask.set(inputs.attentionMask.subarray(r * seq, (r + 1) * seq), r * (2 + seq) + 2);
    const feeds = this.baseFeeds(batch, seq, inputs.inputIds, mask, inputs.positionIds, 0);
    const slot = new Float32Array(batch * g.numKvHeads * g.headDim);
    const prefixSlot = new Float32Array(g.numKvHeads * g.headDim);
    for (let i = 0; i < g.numLayers; i++) {
      const [pastKey, pastValue] = this.kvIo(i);
      feeds[pastKey] = new ort.Tensor('float32', slot, [batch, g.numKvHeads, g.headDim, 1]);
      feeds[pastValue] = new ort.Tensor('float32', slot, [batch, g.numKvHeads, 1, g.headDim]);
      const n = sharedKvNames(i);
      feeds[n.prefixKeyT] = new ort.Tensor('float32', prefixSlot, [g.numKvHeads, 1, g.headDim, 1]);
      feeds[n.prefixValue] = new ort.Tensor('float32', prefixSlot, [g.numKvHeads, 1, 1, g.headDim]);
    }
    // One (masked) prompt prefix holding every row: slot r is row r.
    const identity = BigInt64Array.from({ length: batch }, (_, r) => BigInt(r));
    feeds[SLOT_ROW] = new ort.Tensor('int64', identity, [batch]);
    feeds[ROW_SLOT] = new ort.Tensor('int64', identity, [batch]);
    const { logits, keys, values } = await this.run(feeds);
    return { logits, present: { batch, length: seq, keys, values } };
  }

  /** One decoding step of a batch: one new token per row; returns logits [batch, vocab] and advances `cache`. */
  async decode(cache: DecodeCache, inputIds: BigInt64Array, positionIds: BigInt64Array): Promise<Float32Array> {
    const g = this.geometry;
    const batch = cache.batch;
    if (cache.layout !== this.kvLayout) {
      throw new ModelLoadError(this.source, `cache layout ${cache.layout} does not match the graph's ${this.kvLayout}`);
    }
    const feeds = this.baseFeeds(batch, 1, inputIds, cache.mask(), positionIds, cache.length);
    const cap = cache.capacity;
    const valueDims = [batch, g.numKvHeads, cap, g.headDim];
    const keyDims = this.kvLayout === 'shared' ? [batch, g.numKvHeads, g.headDim, cap] : valueDims;
    for (let i = 0; i < g.numLayers; i++) {
      const [pastKey, pastValue] = this.kvIo(i);
      feeds[pastKey] = new ort.Tensor('float32', cache.keys[i]!, keyDims);
      feeds[pastValue] = new ort.Tensor('float32', cache.values[i]!, valueDims);
      if (this.kvLayout === 'shared') {
        const n = sharedKvNames(i);
        const lp = cache.prefixLength;
        const prompts = cache.prompts;
        feeds[n.prefixKeyT] = new ort.Tensor('float32', cache.prefixKeys[i]!, [g.numKvHeads, prompts, g.headDim, lp]);
        feeds[n.prefixValue] = new ort.Tensor('float32', cache.prefixValues[i]!, [
          g.numKvHeads,
          prompts,
          lp,
          g.headDim,
        ]);
      }
    }
    if (this.kvLayout === 'shared') {
      const { slotRow, rowSlot } = cache.slots();
      feeds[SLOT_ROW] = new ort.Tensor('int64', slotRow, [slotRow.length]);
      feeds[ROW_SLOT] = new ort.Tensor('int64', rowSlot, [batch]);
    }
    const { logits, keys, values } = await this.run(feeds);
    cache.advance(keys, values);
    return logits;
  }

  /** Runs the session; returns the logits and each layer's output K and V. */
  private async run(
    feeds: Record<string, ort.Tensor>,
  ): Promise<{ logits: Float32Array; keys: Float32Array[]; values: Float32Array[] }> {
    const out = await this.session.run(feeds);
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    for (let i = 0; i < this.geometry.numLayers; i++) {
      const [, , outKey, outValue] = this.kvIo(i);
      keys.push(out[outKey]!.data as Float32Array);
      values.push(out[outValue]!.data as Float32Array);
    }
    return { logits: out.logits!.data as Float32Array, keys, values };
  }

  /** Frees the ORT session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

/** ORT tensors over `tensors`' own arrays (f32 arrays are not copied). */
function tensorFeeds(tensors: NamedTensors): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    feeds[name] = new ort.Tensor('float32', data, t.shape);
  }
  return feeds;
}

/** The geometry of a {@link DecoderConfig}. */
export function geometryOf(config: DecoderConfig): CausalLmGeometry {
  return {
    numLayers: config.numHiddenLayers,
    numKvHeads: config.numKeyValueHeads,
    headDim: config.headDim,
    vocabSize: config.vocabSize,
    maxContext: config.maxPositionEmbeddings,
  };
}
