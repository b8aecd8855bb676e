/**
 * A run's rewards: the verifier that decides correctness (`task.verifier`, a built-in name or a JS
 * module, default the task's own), the reward functions whose weighted sum is the reward
 * (`reward.functions` / `reward.weights`, TRL's `reward_funcs` / `reward_weights`) and DAPO's soft
 * overlong penalty (`reward.overlongBuffer`). Modules are imported here once, so that a missing file or
 * a module without a Verifier default export is a configuration error before any work, and are then
 * loaded into the VerifierPool's workers, where every check runs. Success is always the correctness
 * verifier's verdict, never the weighted total.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultRegistry, type Verifier, type VerifierPool } from '@rlvr/verifiers';
import { ConfigError } from '../config/config-error.js';
import type { TrainConfig } from '../config/index.js';
import type { StepScore } from './rl-step.js';

/** A verifier named in the config: its registry name in the pool's workers and the module that defines it, if any. */
export interface ResolvedVerifier {
  /** The name the pool looks it up by (a module's verifier: its exported `name`). */
  name: string;
  /** Absolute path of its module; undefined for a built-in. */
  module?: string;
  /** Its `parseReference`, to check each dataset record's answer at load time. */
  parseReference: (raw: unknown) => unknown;
}

/** How a run scores a completion. */
export interface RewardSetup {
  /** The verifier whose `correct` is success (and whose reward is the reward without reward functions). */
  correctness: ResolvedVerifier;
  /** Whether `correctness` was set by task.verifier (else it is the task's own). */
  custom: boolean;
  /** The weighted reward functions; empty = the correctness verifier's reward alone. */
  functions: { verifier: ResolvedVerifier; weight: number }[];
  /** DAPO's soft overlong penalty, when on. */
  overlong: { buffer: number; penalty: number; maxNewTokens: number } | null;
  /** Module paths the pool must load. */
  modules: string[];
}

/** The name of the overlong penalty among the reward components. */
export const OVERLONG_COMPONENT = 'overlong';

/**
 * DAPO's soft overlong penalty of a completion of `length` tokens: 0 up to `maxNewTokens − buffer`,
 * then falling linearly to −`penalty` at `maxNewTokens` (and −`penalty` past it).
 */
export function overlongPenalty(length: number, maxNewTokens: number, buffer: number, penalty: number): number {
  if (buffer <= 0) return 0;
  const excess = length - (maxNewTokens - buffer);
  if (excess <= 0) return 0;
  return -penalty * Math.min(1, excess / buffer);
}

function isVerifier(value: unknown): value is Verifier {
  const v = value as Partial<Verifier> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    v.name !== '' &&
    typeof v.parseReference === 'function' &&
    typeof v.verify === 'function'
  );
}

/** A spec that names a file rather than a registry entry. */
function isModulePath(spec: string): boolean {
  return /[\\/]/.test(spec) || /\.[cm]?js$/.test(spec);
}

/**
 * The verifier `spec` names at config key `key`: a built-in registry name, or a JS module whose default
 * export is a Verifier (relative paths from the working directory). Errors name the key, the file and what is missing.
 */
export async function resolveVerifier(key: string, spec: string): Promise<ResolvedVerifier> {
  const registry = defaultRegistry();
  if (!isModulePath(spec)) {
    if (!registry.has(spec)) {
      throw new ConfigError(
        key,
        `unknown verifier ${JSON.stringify(spec)}; expected a built-in (${registry.names().join(', ')}) or the path of a .js/.mjs module whose default export is a Verifier`,
      );
    }
    const verifier = registry.get(spec);
    return { name: spec, parseReference: (raw) => verifier.parseReference(raw) };
  }
  const file = resolve(spec);
  if (!existsSync(file)) throw new ConfigError(key, `verifier module ${file} does not exist`);
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new ConfigError(
      key,
      `cannot import verifier module ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (Array.isArray(exported)) {
    throw new ConfigError(
      key,
      `verifier module ${file} exports an array of ${exported.length} verifiers; name a module whose default export is one Verifier`,
    );
  }
  if (!isVerifier(exported)) {
    throw new ConfigError(
      key,
      `verifier module ${file} has no default export that is a Verifier (an object with a non-empty name, parseReference(raw) and verify(completion, reference)); got ${exported === undefined ? 'no default export' : typeof exported}`,
    );
  }
  const verifier = exported;
  return { name: verifier.name, module: file, parseReference: (raw) => verifier.parseReference(raw) };
}

/** Resolve the config's verifiers and reward functions (see the module comment); `taskVerifier` is the task's own. */
export async function resolveRewards(config: TrainConfig, taskVerifier: string): Promise<RewardSetup> {
  const custom = config.task.verifier !== null;
  const correctness = await resolveVerifier('task.verifier', config.task.verifier ?? taskVerifier);
  const functions: RewardSetup['functions'] = [];
  const specs = config.reward.functions ?? [];
  for (const [i, spec] of specs.entries()) {
    const verifier = spec === 'task' ? correctness : await resolveVerifier(`reward.functions[${i}]`, spec);
    if (functions.some((f) => f.verifier.name === verifier.name) || verifier.name === OVERLONG_COMPONENT) {
      throw new ConfigError(
        `reward.functions[${i}]`,
        `a second reward function named ${JSON.stringify(verifier.name)}; each component is logged under its own name`,
      );
    }
    functions.push({ verifier, weight: config.reward.weights?.[i] ?? 1 });
  }
  const modules = [correctness, ...functions.map((f) => f.verifier)].flatMap((v) => (v.module ? [v.module] : []));
  const { overlongBuffer, overlongPenalty: penalty } = config.reward;
  return {
    correctness,
    custom,
    functions,
    overlong:
      overlongBuffer > 0 ? { buffer: overlongBuffer, penalty, maxNewTokens: config.sampling.maxNewTokens } : null,
    modules: [...new Set(modules)],
  };
}

/**
 * Score completions: the correctness verifier's verdict, and as reward either its reward or the
 * weighted sum of the reward functions, plus the overlong penalty; with either, every component
 * (unweighted, the penalty as `overlong`) rides along for the per-step `rewards/<name>` means.
 */
export async function scoreCompletions(
  pool: VerifierPool,
  setup: RewardSetup,
  items: readonly { completion: string; length: number; reference: unknown }[],
): Promise<StepScore[]> {
  const names = [...new Set([setup.correctness.name, ...setup.functions.map((f) => f.verifier.name)])];
  const results = await pool.score(
    names.flatMap((verifier) =>
      items.map((item) => ({ verifier, completion: item.completion, reference: item.reference })),
    ),
  );
  const resultOf = (name: string, i: number) => results[names.indexOf(name) * items.length + i]!;
  const shaped = setup.functions.length > 0 || setup.overlong !== null;
  return items.map((item, i) => {
    const correct = resultOf(setup.correctness.name, i).correct;
    if (!shaped) return { reward: resultOf(setup.correctness.name, i).reward, correct };
    const components: Record<string, number> = {};
    let reward = 0;
    if (setup.functions.length === 0) {
      reward = resultOf(setup.correctness.name, i).reward;
      components[setup.correctness.name] = reward;
    }
    for (const f of setup.functions) {
      const r = resultOf(f.verifier.name, i).reward;
      components[f.verifier.name] = r;
      reward += f.weight * r;
    }
    if (setup.overlong) {
      const { buffer, penalty, maxNewTokens } = setup.overlong;
      const p = overlongPenalty(item.length, maxNewTokens, buffer, penalty);
      components[OVERLONG_COMPONENT] = p;
      reward += p;
    }
    return { reward, correct, components };
  });
}

/** Score rollouts on their decoded completion tokens (exactly what is trained), one reference each. */
export async function scoreRollouts(
  pool: VerifierPool,
  setup: RewardSetup,
  decode: (ids: readonly number[]) => string,
  rollouts: readonly { completionIds: readonly number[] }[],
  references: readonly unknown[],
): Promise<StepScore[]> {
  return await scoreCompletions(
    pool,
    setup,
    rollouts.map((r, i) => ({
      completion: decode(r.completionIds),
      length: r.completionIds.length,
      reference: references[i],
    })),
  );
}
