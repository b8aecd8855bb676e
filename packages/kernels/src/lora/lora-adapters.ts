/**
 * A LoRA adapter's tensors for one decoder: A [r, in] and B [out, r] of every wrapped Linear under
 * PEFT's saved names, initialised as PEFT does by default (A Kaiming-uniform with a = √5, i.e. uniform
 * in ±1/√in; B zero, so the adapted model starts equal to the base), or loaded from saved tensors;
 * and the merge W + scale·B·A that turns base weights into the adapted model's plain weights.
 */
import { SeededRandom, type DecoderConfig, type ParameterSpec } from '@rlvr/core';
import type { Floats } from '../arrays.js';
import { KernelOptionError } from '../errors.js';
import type { DecoderTensors } from '../decoder/types.js';
import type { MatmulEngine } from '../decoder/matmul-engine.js';
import { type LoraSettings, type LoraTarget, loraScale, loraShapes, loraTargets } from './lora-spec.js';

/** How A starts (B starts at zero): PEFT's default Kaiming-uniform, or PEFT's `gaussian`. */
export type LoraInit = 'kaiming' | 'gaussian';

/** The adapter tensors of a model, with its settings and wrapped Linears. */
export class LoraAdapters<T extends Floats> {
  /** The settings (checked). */
  readonly settings: LoraSettings;
  /** The update's scale (α/r, or α/√r with rsLoRA). */
  readonly scale: number;
  /** Every wrapped Linear. */
  readonly targets: readonly LoraTarget[];
  /** A and B by PEFT name (live views: the optimizer updates them in place). */
  readonly params: DecoderTensors<T> = {};
  /**
   * Key of the current forward's dropout masks, or null for no dropout (evaluation forwards); the masks
   * are a pure function of it, so a re-run forward (activation checkpointing) and a resumed run draw
   * the same ones.
   */
  dropoutKey: number | null = null;
  /** Whether forwards apply the adapters; false runs the frozen base model (e.g. a KL reference's logprobs). */
  enabled = true;
  readonly #bySite = new Map<string, LoraTarget>();

  private constructor(config: DecoderConfig, settings: LoraSettings, alloc: (n: number) => T) {
    this.targets = loraTargets(config, settings);
    this.settings = { ...settings };
    this.scale = loraScale(settings);
    for (const t of this.targets) {
      const shapes = loraShapes(t, settings.rank);
      this.params[t.a] = { shape: shapes.a, data: alloc(shapes.a[0] * shapes.a[1]) };
      this.params[t.b] = { shape: shapes.b, data: alloc(shapes.b[0] * shapes.b[1]) };
      this.#bySite.set(`${t.layer}.${t.value}`, t);
    }
  }

  /**
   * Fresh adapters from `seed`, target by target: A Kaiming-uniform (±1/√in, PEFT's default) or with
   * `gaussian` normal with std 1/r (PEFT's `init_lora_weights="gaussian"`); B zero either way.
   */
  static init<T extends Floats>(
    config: DecoderConfig,
    settings: LoraSettings,
    seed: number,
    alloc: (n: number) => T,
    scheme: LoraInit = 'kaiming',
  ): LoraAdapters<T> {
    const adapters = new LoraAdapters(config, settings, alloc);
    const random = new SeededRandom(seed);
    for (const t of adapters.targets) {
      const a = adapters.params[t.a]!.data;
      const bound = 1 / Math.sqrt(t.base.in);
      const std = 1 / settings.rank;
      for (let i = 0; i < a.length; i++) {
        a[i] = scheme === 'gaussian' ? std * random.normal() : (2 * random.next() - 1) * bound;
      }
    }
    return adapters;
  }

  /** Adapters holding `tensors` (copied); a missing, unexpected, misshapen or non-finite tensor throws naming it. */
  static load<T extends Floats>(
    config: DecoderConfig,
    settings: LoraSettings,
    tensors: Record<string, { shape: readonly number[]; data: ArrayLike<number> }>,
    alloc: (n: number) => T,
  ): LoraAdapters<T> {
    const adapters = new LoraAdapters(config, settings, alloc);
    for (const name of Object.keys(tensors)) {
      if (!adapters.params[name]) throw new KernelOptionError(`LoRA adapter: unexpected tensor ${name}`);
    }
    for (const [name, into] of Object.entries(adapters.params)) {
      const from = tensors[name];
      if (!from) {
        throw new KernelOptionError(`LoRA adapter: ${name} missing (expected shape [${into.shape.join(', ')}])`);
      }
      if (from.shape.join(',') !== into.shape.join(',') || from.data.length !== into.data.length) {
        throw new KernelOptionError(
          `LoRA adapter: ${name} has shape [${from.shape.join(', ')}]; expected [${into.shape.join(', ')}] (rank ${settings.rank})`,
        );
      }
      for (let i = 0; i < from.data.length; i++) {
        if (!Number.isFinite(from.data[i]!)) {
          throw new KernelOptionError(`LoRA adapter: ${name}[${i}] is ${from.data[i]}`);
        }
      }
      into.data.set(from.data);
    }
    return adapters;
  }

  /** The wrapped Linear computed at chain site (`layer`, `value`), or undefined. */
  target(layer: number, value: string): LoraTarget | undefined {
    return this.#bySite.get(`${layer}.${value}`);
  }

  /** The trainable parameters (A then B per target), as the optimizer and weight decay see them: matrices. */
  specs(): ParameterSpec[] {
    return this.targets.flatMap((t) => [
      { name: t.a, shape: [...this.params[t.a]!.shape], kind: 'linear' as const },
      { name: t.b, shape: [...this.params[t.b]!.shape], kind: 'linear' as const },
    ]);
  }

  /**
   * Plain weights of the adapted model: copies of `base` (f32) with W + scale·B·A in every wrapped
   * Linear, B·A through `engine` when given (the cpu backend's ONNX Runtime products) and with f64 sums
   * per entry otherwise, so the sampler and exported checkpoints need no adapter.
   */
  async merge(
    base: DecoderTensors<Floats>,
    engine?: MatmulEngine<Float32Array>,
  ): Promise<DecoderTensors<Float32Array>> {
    const out: DecoderTensors<Float32Array> = {};
    for (const [name, t] of Object.entries(base)) out[name] = { shape: [...t.shape], data: Float32Array.from(t.data) };
    const r = this.settings.rank;
    for (const t of this.targets) {
      const w = out[t.base.weight]!.data;
      const a = this.params[t.a]!.data;
      const b = this.params[t.b]!.data;
      const { in: k, out: n } = t.base;
      if (engine && a instanceof Float32Array && b instanceof Float32Array) {
        const delta = await engine.matmul(b, a, { m: n, n: k, k: r });
        for (let i = 0; i < w.length; i++) w[i] = w[i]! + this.scale * delta[i]!;
        continue;
      }
      for (let o = 0; o < n; o++) {
        for (let i = 0; i < k; i++) {
          let s = 0;
          for (let j = 0; j < r; j++) s += b[o * r + j]! * a[j * k + i]!;
          w[o * k + i] = w[o * k + i]! + this.scale * s;
        }
      }
    }
    return out;
  }
}
