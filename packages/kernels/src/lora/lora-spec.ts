/**
 * Which Linears a LoRA adapter wraps and how its tensors are named and shaped, in PEFT's layout:
 * module names as PEFT's `target_modules` spells them (`q_proj` … `down_proj`, or `all-linear`: every
 * Linear of the blocks, never the LM head), A [r, in] and B [out, r] per wrapped Linear, saved as
 * `base_model.model.<Linear's module path>.lora_A.weight` / `.lora_B.weight`, and the scale α/r
 * (α/√r with rsLoRA).
 */
import { type ChainValue, type DecoderConfig, type LinearParameters, decoderParameters } from '@rlvr/core';
import { KernelOptionError } from '../errors.js';

/** The Linears of a decoder block a LoRA adapter can wrap, by their Hugging Face module name. */
export const LORA_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

/** One wrappable module name. */
export type LoraModule = (typeof LORA_MODULES)[number];

/** A LoRA adapter's hyperparameters (PEFT's LoraConfig keys in camelCase). */
export interface LoraSettings {
  /** Rank r (≥ 1). */
  rank: number;
  /** α: the update is scaled by α/r (α/√r with {@link LoraSettings.useRslora}). */
  alpha: number;
  /** Dropout probability on the adapter's input in training forwards, in [0, 1). */
  dropout: number;
  /** Module names from {@link LORA_MODULES}, or `all-linear`. */
  targetModules: readonly string[] | 'all-linear';
  /** rsLoRA: scale α/√r instead of α/r. */
  useRslora: boolean;
}

/** One wrapped Linear: where the chain computes it, its base parameters and its adapter tensors. */
export interface LoraTarget {
  /** Block index. */
  layer: number;
  /** The chain value the Linear produces (its site). */
  value: ChainValue;
  /** Its module name. */
  module: LoraModule;
  /** The frozen Linear. */
  base: LinearParameters;
  /** PEFT's saved name of A [rank, in]. */
  a: string;
  /** PEFT's saved name of B [out, rank]. */
  b: string;
}

const SITE: Record<LoraModule, { value: ChainValue; key: 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down' }> = {
  q_proj: { value: 'q', key: 'q' },
  k_proj: { value: 'k', key: 'k' },
  v_proj: { value: 'v', key: 'v' },
  o_proj: { value: 'o', key: 'o' },
  gate_proj: { value: 'gate', key: 'gate' },
  up_proj: { value: 'up', key: 'up' },
  down_proj: { value: 'down', key: 'down' },
};

/** PEFT's prefix of saved adapter tensors (PeftModel → LoraModel → the causal LM). */
export const PEFT_PREFIX = 'base_model.model.';

/** Check settings; a bad one throws {@link KernelOptionError} naming the `lora.*` key and the value. */
export function checkLoraSettings(s: LoraSettings): void {
  const bad = (key: string, expected: string, value: unknown): never => {
    throw new KernelOptionError(`lora.${key}: expected ${expected}, got ${JSON.stringify(value)}`);
  };
  if (!Number.isInteger(s.rank) || s.rank < 1) bad('rank', 'an integer ≥ 1', s.rank);
  if (!Number.isFinite(s.alpha) || s.alpha <= 0) bad('alpha', 'a number > 0', s.alpha);
  if (!Number.isFinite(s.dropout) || s.dropout < 0 || s.dropout >= 1) bad('dropout', 'a number in [0, 1)', s.dropout);
  if (s.targetModules !== 'all-linear') {
    if (!Array.isArray(s.targetModules) || s.targetModules.length === 0) {
      bad('targetModules', `a non-empty list of ${LORA_MODULES.join(', ')}, or "all-linear"`, s.targetModules);
    }
    for (const m of s.targetModules) {
      if (!(LORA_MODULES as readonly string[]).includes(m)) {
        bad('targetModules', `module names among ${LORA_MODULES.join(', ')} (or "all-linear")`, m);
      }
    }
  }
}

/** The update's scale: α/r, or α/√r with rsLoRA. */
export function loraScale(s: LoraSettings): number {
  return s.useRslora ? s.alpha / Math.sqrt(s.rank) : s.alpha / s.rank;
}

/** The wrapped modules, in {@link LORA_MODULES} order. */
export function loraModules(s: LoraSettings): LoraModule[] {
  const wanted = s.targetModules === 'all-linear' ? LORA_MODULES : s.targetModules;
  return LORA_MODULES.filter((m) => wanted.includes(m));
}

/** Every wrapped Linear of `config`, block by block, each in {@link LORA_MODULES} order. */
export function loraTargets(config: DecoderConfig, s: LoraSettings): LoraTarget[] {
  checkLoraSettings(s);
  const modules = loraModules(s);
  const out: LoraTarget[] = [];
  decoderParameters(config).blocks.forEach((block, layer) => {
    for (const module of modules) {
      const base = block[SITE[module].key];
      const path = `${PEFT_PREFIX}${base.weight.slice(0, -'.weight'.length)}`;
      out.push({
        layer,
        value: SITE[module].value,
        module,
        base,
        a: `${path}.lora_A.weight`,
        b: `${path}.lora_B.weight`,
      });
    }
  });
  return out;
}

/** Shapes of a target's A [rank, in] and B [out, rank]. */
export function loraShapes(t: LoraTarget, rank: number): { a: [number, number]; b: [number, number] } {
  return { a: [rank, t.base.in], b: [t.base.out, rank] };
}
