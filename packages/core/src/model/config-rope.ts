/**
 * `config.json`'s `rope_scaling` object, as transformers reads it: the variants whose frequencies
 * rope-frequencies.ts computes (linear, dynamic NTK, Llama 3, YaRN) are parsed into a {@link RopeScaling};
 * every other variant, unknown key or bad value is a {@link ConfigError} naming the key and the value,
 * because a silently ignored scaling changes every logit past the first position.
 */
import { ConfigError } from './config-error.js';

/** Positions divided by `factor` (transformers' `linear`). */
export interface LinearRopeScaling {
  ropeType: 'linear';
  factor: number;
}

/**
 * Dynamic NTK (transformers' `dynamic`): the base grows with the sequence length once it passes
 * `max_position_embeddings`; at or below it the angles are the unscaled ones.
 */
export interface DynamicRopeScaling {
  ropeType: 'dynamic';
  factor: number;
  /** Carried back to `config.json` when given; transformers' dynamic formula reads max_position_embeddings instead. */
  originalMaxPositionEmbeddings?: number;
}

/** Llama 3.1's frequency-dependent scaling (transformers' `llama3`). */
export interface Llama3RopeScaling {
  ropeType: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** YaRN (transformers' `yarn`): ramped interpolation of the frequencies and a cos/sin gain. */
export interface YarnRopeScaling {
  ropeType: 'yarn';
  factor: number;
  /** Given gain of cos/sin; absent means 0.1·ln(factor) + 1 (or the mscale ratio). */
  attentionFactor?: number;
  betaFast?: number;
  betaSlow?: number;
  mscale?: number;
  mscaleAllDim?: number;
  /** The pretraining context; absent means max_position_embeddings. */
  originalMaxPositionEmbeddings?: number;
  /** Round the ramp's ends to whole dimensions (transformers' default true). */
  truncate?: boolean;
}

/** A parsed `rope_scaling`; null in {@link DecoderConfig} means plain RoPE. */
export type RopeScaling = LinearRopeScaling | DynamicRopeScaling | Llama3RopeScaling | YarnRopeScaling;

/** The keys each variant may carry besides `rope_type`/`type`. */
const KEYS: Record<RopeScaling['ropeType'], readonly string[]> = {
  linear: ['factor'],
  dynamic: ['factor', 'original_max_position_embeddings'],
  llama3: ['factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings'],
  yarn: [
    'factor',
    'attention_factor',
    'beta_fast',
    'beta_slow',
    'mscale',
    'mscale_all_dim',
    'original_max_position_embeddings',
    'truncate',
  ],
};

function num(where: string, raw: Record<string, unknown>, key: string, min: number, strict: boolean): number {
  const v = raw[key];
  const ok = typeof v === 'number' && Number.isFinite(v) && (strict ? v > min : v >= min);
  if (!ok) throw new ConfigError(`${where}.${key}`, v, `a finite number ${strict ? '>' : '≥'} ${min}`);
  return v;
}

function optionalNum(
  where: string,
  raw: Record<string, unknown>,
  key: string,
  min: number,
  strict: boolean,
): number | undefined {
  return raw[key] === undefined || raw[key] === null ? undefined : num(where, raw, key, min, strict);
}

function optionalInt(where: string, raw: Record<string, unknown>, key: string): number | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw new ConfigError(`${where}.${key}`, v, 'a positive integer');
  }
  return v;
}

/**
 * Parses `rope_scaling` (null/absent → null). Accepts both spellings of the variant key (`rope_type`,
 * and the older `type`; when both are present they must agree) and `default`, which means no scaling.
 */
export function parseRopeScaling(
  value: unknown,
  maxPositionEmbeddings: number,
  where = 'rope_scaling',
): RopeScaling | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(where, value, 'null or an object with rope_type');
  }
  const raw = value as Record<string, unknown>;
  if (raw.rope_type !== undefined && raw.type !== undefined && raw.rope_type !== raw.type) {
    throw new ConfigError(`${where}.type`, raw.type, `absent or equal to rope_type (${String(raw.rope_type)})`);
  }
  const typeKey = raw.rope_type === undefined && raw.type !== undefined ? 'type' : 'rope_type';
  const ropeType = raw[typeKey];
  const supported = '"default", "linear", "dynamic", "llama3" or "yarn"';
  if (
    ropeType !== 'default' &&
    ropeType !== 'linear' &&
    ropeType !== 'dynamic' &&
    ropeType !== 'llama3' &&
    ropeType !== 'yarn'
  ) {
    throw new ConfigError(`${where}.${typeKey}`, ropeType, supported);
  }
  const allowed = new Set(['rope_type', 'type', ...(ropeType === 'default' ? [] : KEYS[ropeType])]);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) {
      throw new ConfigError(
        `${where}.${key}`,
        raw[key],
        `absent for rope_type "${ropeType}" (keys: ${[...allowed].join(', ')})`,
      );
    }
  }
  if (ropeType === 'default') return null;
  // transformers only warns below 1; a factor < 1 shrinks the context, which no published config does.
  const factor = num(where, raw, 'factor', 1, false);
  if (ropeType === 'linear') return { ropeType, factor };
  if (ropeType === 'dynamic') {
    const original = optionalInt(where, raw, 'original_max_position_embeddings');
    return original === undefined
      ? { ropeType, factor }
      : { ropeType, factor, originalMaxPositionEmbeddings: original };
  }
  if (ropeType === 'llama3') {
    const lowFreqFactor = num(where, raw, 'low_freq_factor', 0, true);
    const highFreqFactor = num(where, raw, 'high_freq_factor', 0, true);
    // The smooth band interpolates over high − low: equal factors divide by zero.
    if (highFreqFactor <= lowFreqFactor) {
      throw new ConfigError(
        `${where}.high_freq_factor`,
        highFreqFactor,
        `a number > low_freq_factor (${lowFreqFactor})`,
      );
    }
    const original = optionalInt(where, raw, 'original_max_position_embeddings');
    if (original === undefined) {
      throw new ConfigError(
        `${where}.original_max_position_embeddings`,
        raw.original_max_position_embeddings,
        'a positive integer (required by llama3)',
      );
    }
    return { ropeType, factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: original };
  }
  return parseYarn(where, raw, factor, maxPositionEmbeddings);
}

function parseYarn(
  where: string,
  raw: Record<string, unknown>,
  factor: number,
  maxPositionEmbeddings: number,
): YarnRopeScaling {
  const y: YarnRopeScaling = { ropeType: 'yarn', factor };
  const attentionFactor = optionalNum(where, raw, 'attention_factor', 0, true);
  if (attentionFactor !== undefined) y.attentionFactor = attentionFactor;
  const betaFast = optionalNum(where, raw, 'beta_fast', 0, true);
  if (betaFast !== undefined) y.betaFast = betaFast;
  const betaSlow = optionalNum(where, raw, 'beta_slow', 0, true);
  if (betaSlow !== undefined) y.betaSlow = betaSlow;
  if ((betaFast ?? 32) < (betaSlow ?? 1)) {
    throw new ConfigError(`${where}.beta_fast`, betaFast ?? 32, `a number ≥ beta_slow (${betaSlow ?? 1})`);
  }
  const mscale = optionalNum(where, raw, 'mscale', 0, false);
  if (mscale !== undefined) y.mscale = mscale;
  const mscaleAllDim = optionalNum(where, raw, 'mscale_all_dim', 0, false);
  if (mscaleAllDim !== undefined) y.mscaleAllDim = mscaleAllDim;
  const original = optionalInt(where, raw, 'original_max_position_embeddings');
  if (original !== undefined) {
    // transformers up to 4.4x scales by `factor`; later versions replace it with max / original when
    // original is given. Only a config where both agree means the same model in every version.
    const ratio = maxPositionEmbeddings / original;
    if (Math.abs(ratio - factor) > 1e-9 * factor) {
      throw new ConfigError(
        `${where}.factor`,
        factor,
        `max_position_embeddings / original_max_position_embeddings (${maxPositionEmbeddings} / ${original} = ${ratio}) when original_max_position_embeddings is given: transformers versions disagree on which one YaRN uses otherwise`,
      );
    }
    y.originalMaxPositionEmbeddings = original;
  }
  if (raw.truncate !== undefined && raw.truncate !== null) {
    if (typeof raw.truncate !== 'boolean') {
      throw new ConfigError(`${where}.truncate`, raw.truncate, 'true or false');
    }
    y.truncate = raw.truncate;
  }
  return y;
}

/** `rope_scaling` as transformers writes it (`rope_type` spelling), from a parsed value; null stays null. */
export function ropeScalingToJson(s: RopeScaling | null): Record<string, unknown> | null {
  if (s === null) return null;
  const out: Record<string, unknown> = { rope_type: s.ropeType, factor: s.factor };
  const put = (key: string, v: number | boolean | undefined): void => {
    if (v !== undefined) out[key] = v;
  };
  switch (s.ropeType) {
    case 'linear':
      break;
    case 'dynamic':
      put('original_max_position_embeddings', s.originalMaxPositionEmbeddings);
      break;
    case 'llama3':
      put('low_freq_factor', s.lowFreqFactor);
      put('high_freq_factor', s.highFreqFactor);
      put('original_max_position_embeddings', s.originalMaxPositionEmbeddings);
      break;
    case 'yarn':
      put('attention_factor', s.attentionFactor);
      put('beta_fast', s.betaFast);
      put('beta_slow', s.betaSlow);
      put('mscale', s.mscale);
      put('mscale_all_dim', s.mscaleAllDim);
      put('original_max_position_embeddings', s.originalMaxPositionEmbeddings);
      put('truncate', s.truncate);
      break;
  }
  return out;
}
