/**
 * The Llama/Qwen2 decoder forward on WebGPU, composed from the package's WGSL kernels: the same graph as
 * {@link CpuDecoderModel} (embedding; N × [RMSNorm → q/k/v (+bias) → RoPE → causal GQA attention with
 * padding mask → o_proj (+bias) → residual; RMSNorm → SwiGLU MLP → residual]; final RMSNorm; LM head,
 * tied or not). Parameters live in GPU tensors keyed by their Hugging Face names; a forward records
 * every dispatch of the model into one compute pass and submits it once, then reads the logits back.
 * Forward only: the backward and optimizer step are not implemented here yet.
 */
import type { DecoderTensors } from '../decoder/model.js';
import { DecoderModelError } from '../decoder/model.js';
import type { GpuDevice } from '../device/gpu-device.js';
import { planAttentionForward } from '../attention/attention.js';
import { planEmbeddingForward } from '../embedding/embedding.js';
import type { PipelineSpec } from '../gpu/pipeline-cache.js';
import { GpuTensor } from '../gpu/tensor.js';
import { type KernelPlan, WORKGROUP_1D, grid1d, planDispatch, sequence, submitPlans } from '../kernel-common/plan.js';
import { planMatmul } from '../matmul/matmul.js';
import type { DecoderConfig, ParameterSpec } from '../model/config.js';
import { parameterSpecs, validateWeights } from '../model/config.js';
import type { NamedTensors } from '../model/safetensors.js';
import type { Ints } from '../reference/common.js';
import { positionsFromMask } from '../reference/rope.js';
import { planResidualAdd } from '../residual/residual.js';
import { planRmsNormForward } from '../rmsnorm/rmsnorm.js';
import { ROPE_PARAMS, ropePipelineSpec, ropeTable } from '../rope/rope.js';
import { planSwigluForward } from '../swiglu/swiglu.js';
import biasSource from './bias.wgsl';

/** The WGSL source of the row-broadcast bias-add kernel (this folder's only kernel). */
export const BIAS_ADD_WGSL: string = biasSource;

/** Field order of the bias kernel's `Params` uniform struct (checked against the WGSL by a test). */
export const BIAS_ADD_PARAMS = ['rows', 'n', 'pad0', 'pad1'] as const;

const EMBED = 'model.embed_tokens.weight';
const LM_HEAD = 'lm_head.weight';
// RoPE's workgroup size (rope.ts's WG; the spec fixes it, the grid must match it).
const ROPE_WG = 64;

/** Weights as {@link GpuDecoderModel.create} accepts them: Hugging Face name → shape and row-major values. */
export type GpuDecoderWeights = Record<string, { shape: number[]; data: ArrayLike<number> }>;

/** Record y [rows, n] += bias [n] (in place); call inside `gpu.scoped`. */
export function planBiasAdd(gpu: GpuDevice, y: GpuTensor, bias: GpuTensor, rows: number, n: number): KernelPlan {
  if (bias.size !== n || y.size < rows * n) {
    throw new DecoderModelError(`bias add: y [${y.shape.join(', ')}] / bias [${bias.shape.join(', ')}] do not fit rows ${rows} × n ${n}`);
  }
  const spec: PipelineSpec = { id: 'gpu-decoder-bias', code: biasSource, constants: { WG: WORKGROUP_1D } };
  return planDispatch(gpu, spec, [y.buffer, bias.buffer], BIAS_ADD_PARAMS, { rows, n, pad0: 0, pad1: 0 }, grid1d(gpu, rows * n));
}

/** Activation tensors of one (batch, seq) shape, reused by every forward of that shape. */
interface Activations {
  batch: number;
  seq: number;
  /** Residual stream (layer input, then layer output). */
  x: GpuTensor;
  /** Residual stream after attention. */
  x1: GpuTensor;
  /** RMSNorm output (n1, n2 and the final norm share it: each is dead once its products ran). */
  normed: GpuTensor;
  rstd: GpuTensor;
  qLin: GpuTensor;
  q: GpuTensor;
  kLin: GpuTensor;
  k: GpuTensor;
  v: GpuTensor;
  o: GpuTensor;
  lse: GpuTensor;
  /** o_proj output, then down_proj output (each is consumed by its residual add before the next is written). */
  proj: GpuTensor;
  gate: GpuTensor;
  up: GpuTensor;
  h: GpuTensor;
  ropeTable: GpuTensor;
  logits: GpuTensor;
}

/** Copies ids into an Int32Array after checking length and that every entry passes `check` (message names the entry). */
function toInt32(name: string, ids: Ints, n: number, check: (v: number) => boolean, allowed: string): Int32Array {
  if (ids.length !== n) throw new DecoderModelError(`${name}: expected ${n} entries ([batch, seq]), got ${ids.length}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = ids[i]!;
    if (!Number.isInteger(v) || !check(v)) throw new DecoderModelError(`${name}[${i}]: expected ${allowed}, got ${v}`);
    out[i] = v;
  }
  return out;
}

/**
 * The decoder's forward on a {@link GpuDevice}. Create with {@link GpuDecoderModel.create}; call
 * {@link GpuDecoderModel.dispose} when done. Calls must not interleave (activations are shared).
 */
export class GpuDecoderModel {
  /** The validated configuration. */
  readonly config: DecoderConfig;
  readonly #gpu: GpuDevice;
  readonly #specs: ParameterSpec[];
  readonly #params = new Map<string, GpuTensor>();
  #acts: Activations | undefined;
  #disposed = false;

  private constructor(gpu: GpuDevice, config: DecoderConfig, specs: ParameterSpec[]) {
    this.#gpu = gpu;
    this.config = config;
    this.#specs = specs;
  }

  /**
   * Validate `weights` against `config` (errors name the tensor) and upload every parameter into its own
   * GPU tensor. A tied checkpoint's duplicate `lm_head.weight` (checked equal to the embedding) is dropped.
   */
  static create(gpu: GpuDevice, config: DecoderConfig, weights: GpuDecoderWeights): GpuDecoderModel {
    // validateWeights only reads shapes, lengths and values, so any numeric array checks the same way.
    validateWeights(config, weights as unknown as NamedTensors);
    const model = new GpuDecoderModel(gpu, config, parameterSpecs(config));
    try {
      for (const s of model.#specs) {
        const src = weights[s.name]!.data;
        const data = src instanceof Float32Array ? src : Float32Array.from(src);
        model.#params.set(s.name, GpuTensor.fromArray(gpu, data, s.shape, s.name));
      }
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  }

  /** The GPU tensor of parameter `name` (Hugging Face name); throws naming it when absent. */
  parameter(name: string): GpuTensor {
    this.#assertUsable('parameter');
    const t = this.#params.get(name);
    if (!t) throw new DecoderModelError(`parameter: no tensor named ${name}`);
    return t;
  }

  /** Every parameter read back as named Float32 tensors (copies; tied models have no `lm_head.weight`). */
  async weights(): Promise<DecoderTensors<Float32Array>> {
    this.#assertUsable('weights');
    const out: DecoderTensors<Float32Array> = {};
    for (const s of this.#specs) out[s.name] = { shape: [...s.shape], data: await this.#params.get(s.name)!.read() };
    return out;
  }

  /** Logits [batch, seq, vocab] of tokens [batch, seq] under mask [batch, seq] (1 = token, 0 = padding). */
  async forward(tokens: Ints, mask: Ints, batch: number, seq: number): Promise<Float32Array> {
    this.#assertUsable('forward');
    const c = this.config;
    if (!Number.isInteger(batch) || batch < 1) throw new DecoderModelError(`batch: expected an integer ≥ 1, got ${batch}`);
    if (!Number.isInteger(seq) || seq < 1) throw new DecoderModelError(`seq: expected an integer ≥ 1, got ${seq}`);
    const n = batch * seq;
    const ids = toInt32('tokens', tokens, n, (v) => v >= 0 && v < c.vocabSize, `a token id in [0, ${c.vocabSize})`);
    const m = toInt32('mask', mask, n, (v) => v === 0 || v === 1, '0 or 1');
    const acts = this.#activations(batch, seq);
    // Positions from the mask (left padding starts each row at 0), as the CPU model does.
    acts.ropeTable.write(ropeTable(positionsFromMask(m, batch, seq), c.headDim, c.ropeTheta));
    await submitPlans(this.#gpu, 'gpu-decoder forward', () => this.#planForward(acts, ids, m));
    return acts.logits.read();
  }

  /** Release every parameter and activation buffer; later calls throw. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.#params.values()) t.dispose();
    this.#params.clear();
    this.#releaseActivations();
  }

  /** True once {@link GpuDecoderModel.dispose} has run. */
  get disposed(): boolean {
    return this.#disposed;
  }

  #assertUsable(what: string): void {
    if (this.#disposed) throw new DecoderModelError(`${what}: this GpuDecoderModel has been disposed`);
    this.#gpu.assertAlive(`GpuDecoderModel.${what}`);
  }

  #p(name: string): GpuTensor {
    return this.#params.get(name)!;
  }

  /** The activations of this shape: reused when the shape repeats, else the old ones are freed and new ones made. */
  #activations(batch: number, seq: number): Activations {
    if (this.#acts && this.#acts.batch === batch && this.#acts.seq === seq) return this.#acts;
    this.#releaseActivations();
    const c = this.config;
    const n = batch * seq;
    const made: GpuTensor[] = [];
    const z = (shape: number[], label: string): GpuTensor => {
      const t = GpuTensor.zeros(this.#gpu, shape, `gpu-decoder-${label}`);
      made.push(t);
      return t;
    };
    try {
      this.#acts = {
        batch, seq,
        x: z([n, c.hiddenSize], 'x'),
        x1: z([n, c.hiddenSize], 'x1'),
        normed: z([n, c.hiddenSize], 'normed'),
        rstd: z([n], 'rstd'),
        qLin: z([n, c.numAttentionHeads, c.headDim], 'q-lin'),
        q: z([n, c.numAttentionHeads, c.headDim], 'q'),
        kLin: z([n, c.numKeyValueHeads, c.headDim], 'k-lin'),
        k: z([n, c.numKeyValueHeads, c.headDim], 'k'),
        v: z([n, c.numKeyValueHeads, c.headDim], 'v'),
        o: z([n, c.numAttentionHeads, c.headDim], 'o'),
        lse: z([batch, c.numAttentionHeads, seq], 'lse'),
        proj: z([n, c.hiddenSize], 'proj'),
        gate: z([n, c.intermediateSize], 'gate'),
        up: z([n, c.intermediateSize], 'up'),
        h: z([n, c.intermediateSize], 'h'),
        ropeTable: z([n, c.headDim], 'rope-table'),
        logits: z([n, c.vocabSize], 'logits'),
      };
    } catch (error) {
      for (const t of made) t.dispose();
      this.#acts = undefined;
      throw error;
    }
    return this.#acts;
  }

  #releaseActivations(): void {
    if (!this.#acts) return;
    for (const t of Object.values(this.#acts)) if (t instanceof GpuTensor) t.dispose();
    this.#acts = undefined;
  }

  /** Every dispatch of one forward, in order (dispatches of one pass see each other's writes). */
  #planForward(a: Activations, ids: Int32Array, mask: Int32Array): KernelPlan {
    const gpu = this.#gpu;
    const c = this.config;
    const rows = a.batch * a.seq;
    const plans: KernelPlan[] = [];
    // Plans own uniform buffers: if building one fails, free those already built.
    try {
      const linear = (x: GpuTensor, weight: string, bias: string | null, out: GpuTensor): void => {
        const [outF, inF] = this.#p(weight).shape as [number, number];
        plans.push(planMatmul(gpu, x, this.#p(weight), out, { m: rows, n: outF, k: inF, transB: true }));
        if (bias) plans.push(planBiasAdd(gpu, out, this.#p(bias), rows, outF));
      };
      const rope = (x: GpuTensor, out: GpuTensor, heads: number): void => {
        const pairs = (rows * heads * c.headDim) / 2;
        const groups = Math.ceil(pairs / ROPE_WG);
        const groupsX = Math.min(groups, gpu.limits.maxComputeWorkgroupsPerDimension);
        const groupsY = Math.ceil(groups / groupsX);
        plans.push(
          planDispatch(gpu, ropePipelineSpec(false), [x.buffer, a.ropeTable.buffer, out.buffer], ROPE_PARAMS, { tokens: rows, heads, halfDim: c.headDim / 2, groupsX }, [groupsX, groupsY]),
        );
      };
      const norm = (x: GpuTensor, weight: string): void => {
        plans.push(planRmsNormForward(gpu, x, this.#p(weight), a.normed, a.rstd, { rows, hidden: c.hiddenSize, eps: c.rmsNormEps }));
      };
      const attn = { batch: a.batch, seq: a.seq, numHeads: c.numAttentionHeads, numKvHeads: c.numKeyValueHeads, headDim: c.headDim };

      plans.push(planEmbeddingForward(gpu, this.#p(EMBED), ids, a.x, { vocab: c.vocabSize, hidden: c.hiddenSize }));
      for (let i = 0; i < c.numHiddenLayers; i++) {
        const L = (s: string): string => `model.layers.${i}.${s}`;
        const bias = (proj: string): string | null => (c.attentionBias ? L(`self_attn.${proj}_proj.bias`) : null);
        norm(a.x, L('input_layernorm.weight'));
        linear(a.normed, L('self_attn.q_proj.weight'), bias('q'), a.qLin);
        rope(a.qLin, a.q, c.numAttentionHeads);
        linear(a.normed, L('self_attn.k_proj.weight'), bias('k'), a.kLin);
        rope(a.kLin, a.k, c.numKeyValueHeads);
        linear(a.normed, L('self_attn.v_proj.weight'), bias('v'), a.v);
        plans.push(planAttentionForward(gpu, a.q, a.k, a.v, mask, a.o, a.lse, attn));
        linear(a.o, L('self_attn.o_proj.weight'), c.oProjBias ? L('self_attn.o_proj.bias') : null, a.proj);
        plans.push(planResidualAdd(gpu, a.x, a.proj, a.x1));
        norm(a.x1, L('post_attention_layernorm.weight'));
        linear(a.normed, L('mlp.gate_proj.weight'), null, a.gate);
        linear(a.normed, L('mlp.up_proj.weight'), null, a.up);
        plans.push(planSwigluForward(gpu, a.gate, a.up, a.h));
        linear(a.h, L('mlp.down_proj.weight'), null, a.proj);
        // The residual kernel may not alias its output; x is dead here, so the layer output goes there.
        plans.push(planResidualAdd(gpu, a.x1, a.proj, a.x));
      }
      norm(a.x, 'model.norm.weight');
      linear(a.normed, c.tieWordEmbeddings ? EMBED : LM_HEAD, null, a.logits);
    } catch (error) {
      for (const p of plans) p.dispose();
      throw error;
    }
    return sequence(plans);
  }
}
