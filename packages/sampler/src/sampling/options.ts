/** Generation options, their defaults and their validation (errors name the option and the allowed range). */
import { GenerationError } from '../errors.js';

/** Options of `Sampler.generate`. */
export interface GenerateOptions {
  /** Samples per prompt (M); default 1. */
  groupSize?: number;
  /** Most tokens generated per sample; default 64. */
  maxNewTokens?: number;
  /** Softmax temperature (> 0); default 1. 0 means greedy. */
  temperature?: number;
  /** Keep the k most likely tokens; 0 (default) = off. */
  topK?: number;
  /** Nucleus sampling threshold in (0, 1]; 1 (default) = off. */
  topP?: number;
  /** Keep tokens with probability ≥ minP × the top probability, in [0, 1); 0 (default) = off. */
  minP?: number;
  /** Strings that end a completion (the text is cut before the stop string). */
  stop?: string[];
  /** Seed of this call's RNG (an instance, never global); default 0. Same seed, same rollouts. */
  seed?: number;
  /** Always take the most likely token (evaluation); logprobs are then of the raw logits (temperature 1). */
  greedy?: boolean;
}

/** Options with every default filled in. */
export type ResolvedOptions = Required<GenerateOptions>;

function check(name: string, value: number, ok: boolean, allowed: string): void {
  if (!ok) throw new GenerationError(`${name} = ${value} is invalid; expected ${allowed}`);
}

/** Fills defaults and validates every option. */
export function resolveOptions(options: GenerateOptions): ResolvedOptions {
  const o: ResolvedOptions = {
    groupSize: options.groupSize ?? 1,
    maxNewTokens: options.maxNewTokens ?? 64,
    temperature: options.temperature ?? 1,
    topK: options.topK ?? 0,
    topP: options.topP ?? 1,
    minP: options.minP ?? 0,
    stop: options.stop ?? [],
    seed: options.seed ?? 0,
    greedy: options.greedy ?? options.temperature === 0,
  };
  check('groupSize', o.groupSize, Number.isSafeInteger(o.groupSize) && o.groupSize >= 1, 'an integer ≥ 1');
  check('maxNewTokens', o.maxNewTokens, Number.isSafeInteger(o.maxNewTokens) && o.maxNewTokens >= 1, 'an integer ≥ 1');
  check(
    'temperature',
    o.temperature,
    Number.isFinite(o.temperature) && o.temperature >= 0,
    'a finite number ≥ 0 (0 = greedy)',
  );
  check('topK', o.topK, Number.isSafeInteger(o.topK) && o.topK >= 0, 'an integer ≥ 0 (0 = off)');
  check('topP', o.topP, o.topP > 0 && o.topP <= 1, 'a number in (0, 1] (1 = off)');
  check('minP', o.minP, o.minP >= 0 && o.minP < 1, 'a number in [0, 1) (0 = off)');
  check('seed', o.seed, Number.isSafeInteger(o.seed), 'an integer');
  if (!Array.isArray(o.stop) || o.stop.some((s) => typeof s !== 'string')) {
    throw new GenerationError(`stop: expected an array of strings, got ${JSON.stringify(o.stop)}`);
  }
  return o;
}
