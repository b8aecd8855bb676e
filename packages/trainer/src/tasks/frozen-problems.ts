/**
 * Frozen Countdown problem sets: the output of one `generateCountdownProblems` call kept as data, so
 * that what was recorded with it stays reproducible after the generator's PRNG changed. Until
 * 2026-12-06 @rlvr/verifiers drew its problems from a private sfc32; it now draws from @rlvr/core's
 * `SeededRandom` (mulberry32), which gives every seed other problems. The demo's problem set and
 * held-out split (every recorded number of docs/results, the SFT model's training problems) and the
 * embedded base model's pretraining problems were drawn with sfc32, so they are shipped frozen in
 * `assets/countdown-problems/` (written by scripts/freeze-countdown-problems.ts, which holds the old
 * generator and can regenerate and check them) and read in place of the call whose options they
 * record: `task.generator.frozen` for a training task, `rlvr pretrain --problems` for pretraining.
 *
 * A file is JSON (gzip-compressed when its name ends in `.gz`): `{"header": {...}, "problems":
 * [[target, ...nums], ...]}` in draw order, duplicates included, exactly as the generator returned
 * them (without the solutions, which nothing here uses). The header says how they were made
 * (algorithm, seed, every generator option, count). A frozen set stands in only for a call with the
 * same options and at most as many problems (the generator is sequential: fewer problems of the same
 * options are its first ones); any other call is refused, naming the option that differs.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { CountdownGeneratorOptions } from '@rlvr/verifiers';
import { ConfigError } from '../config/config-error.js';
import { EMBEDDED_PREFIX, embeddedAssetPath } from '../models/embedded.js';
import { DatasetError } from './dataset-error.js';

/** The frozen problem sets shipped in `assets/countdown-problems/`, by `embedded:` name. */
export const FROZEN_PROBLEM_SETS = {
  /** The preset's problems (demo, compare, SFT, `rlvr eval` of an embedded model): task.generator {count 4096, three numbers 1–9, targets ≤ 100, seed 7}. */
  'countdown-preset': 'countdown-preset.json',
  /** The embedded base model's pretraining problems: `rlvr pretrain --steps 3000 --batch 32 --seed 1` (96,000 draws). */
  'countdown-pretraining': 'countdown-pretraining.json.gz',
} as const;
/** One shipped frozen set's name. */
export type FrozenProblemSetName = keyof typeof FROZEN_PROBLEM_SETS;

/** Every option of a `generateCountdownProblems` call, defaults filled in: what a frozen set records and is matched on. */
export type CountdownGeneratorCall = Required<CountdownGeneratorOptions>;

/** How a frozen set was made. */
export interface FrozenProblemsHeader {
  /** What the set is (free text). */
  description: string;
  /** The PRNG of the generator that drew it: `sfc32` (seeded through splitmix32, 12 outputs discarded). */
  algorithm: string;
  /** The generator: function, package and the commit whose code drew it. */
  generator: string;
  /** The script that wrote (and can check) the file. */
  script: string;
  /** The options of the call, defaults filled in; `seed` is the one the generator received. */
  options: CountdownGeneratorCall;
  /** Problems in the file (= options.count). */
  count: number;
}

/** A frozen set: its header and its problems in draw order. */
export interface FrozenProblems {
  header: FrozenProblemsHeader;
  problems: { target: number; nums: number[] }[];
}

const OPTION_KEYS = [
  'count',
  'seed',
  'minNumbers',
  'maxNumbers',
  'minNumber',
  'maxNumber',
  'minTarget',
  'maxTarget',
  'allowUnusedNumbers',
] as const;

/** The options of a `generateCountdownProblems` call with the generator's defaults filled in. */
export function countdownGeneratorCall(options: CountdownGeneratorOptions): CountdownGeneratorCall {
  return {
    count: options.count,
    seed: options.seed,
    minNumbers: options.minNumbers ?? 3,
    maxNumbers: options.maxNumbers ?? 4,
    minNumber: options.minNumber ?? 1,
    maxNumber: options.maxNumber ?? 99,
    minTarget: options.minTarget ?? 1,
    maxTarget: options.maxTarget ?? 100,
    allowUnusedNumbers: options.allowUnusedNumbers ?? false,
  };
}

/** The file a frozen-set source names: `embedded:NAME` (a shipped set) or a path as given. `argument` names the option in errors. */
export function frozenProblemsFile(source: string, argument: string): string {
  if (!source.startsWith(EMBEDDED_PREFIX)) return source;
  const name = source.slice(EMBEDDED_PREFIX.length);
  if (!Object.hasOwn(FROZEN_PROBLEM_SETS, name)) {
    throw new ConfigError(
      argument,
      `unknown frozen problem set "${name}"; expected one of ${Object.keys(FROZEN_PROBLEM_SETS)
        .map((n) => EMBEDDED_PREFIX + n)
        .join(', ')} or a file`,
    );
  }
  return embeddedAssetPath(
    `countdown-problems/${FROZEN_PROBLEM_SETS[name as FrozenProblemSetName]}`,
    `frozen problem set ${name}`,
  );
}

/** Reads and checks a frozen set (see the module comment); a malformed file is a DatasetError naming it. */
export function readFrozenProblems(source: string, argument: string): FrozenProblems {
  const file = frozenProblemsFile(source, argument);
  let parsed: unknown;
  try {
    const bytes = readFileSync(file);
    parsed = JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
  } catch (error) {
    throw new DatasetError(
      file,
      undefined,
      `cannot read the frozen problem set: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const bad = (what: string) =>
    new DatasetError(
      file,
      undefined,
      `not a frozen problem set: ${what}; expected {"header": {options, count, …}, "problems": [[target, ...nums], …]}`,
    );
  if (typeof parsed !== 'object' || parsed === null) throw bad('not an object');
  const { header, problems } = parsed as { header?: Partial<FrozenProblemsHeader>; problems?: unknown };
  if (typeof header !== 'object' || header === null || typeof header.options !== 'object' || header.options === null) {
    throw bad('no header.options');
  }
  for (const key of OPTION_KEYS) {
    const value = (header.options as Record<string, unknown>)[key];
    if (key === 'allowUnusedNumbers' ? typeof value !== 'boolean' : typeof value !== 'number') {
      throw bad(`header.options.${key} is ${JSON.stringify(value)}`);
    }
  }
  if (!Array.isArray(problems)) throw bad('no problems array');
  if (header.count !== problems.length || header.options.count !== problems.length) {
    throw bad(
      `header.count ${String(header.count)} and header.options.count ${header.options.count} must both be the ${problems.length} problems`,
    );
  }
  const out = problems.map((p: unknown, i) => {
    if (!Array.isArray(p) || p.length < 2 || !p.every((x) => Number.isSafeInteger(x))) {
      throw bad(`problems[${i}] is ${JSON.stringify(p)}`);
    }
    const [target, ...nums] = p as number[];
    return { target: target!, nums };
  });
  return { header: header as FrozenProblemsHeader, problems: out };
}

/**
 * The problems `generateCountdownProblems(options)` returned when `source` was frozen: its first
 * `options.count` problems, once every other option equals the header's. A differing option or a
 * larger count is a ConfigError naming `argument` and the option.
 */
export function frozenCountdownProblems(
  source: string,
  options: CountdownGeneratorOptions,
  argument: string,
): { target: number; nums: number[] }[] {
  const frozen = readFrozenProblems(source, argument);
  const wanted = countdownGeneratorCall(options);
  for (const key of OPTION_KEYS) {
    if (key === 'count') continue;
    if (frozen.header.options[key] !== wanted[key]) {
      throw new ConfigError(
        argument,
        `${source} holds the problems of ${key} ${String(frozen.header.options[key])}, but this run's generator has ${key} ${String(wanted[key])} (${describeCall(frozen.header.options)})`,
      );
    }
  }
  if (wanted.count > frozen.problems.length) {
    throw new ConfigError(
      argument,
      `${source} holds ${frozen.problems.length} problems, but this run's generator asks for ${wanted.count}`,
    );
  }
  return frozen.problems.slice(0, wanted.count);
}

/** A frozen set as its file's text: the header pretty-printed, then one problem per line (diffs stay readable). */
export function encodeFrozenProblems(
  header: FrozenProblemsHeader,
  problems: readonly { target: number; nums: readonly number[] }[],
): string {
  const rows = problems.map((p) => JSON.stringify([p.target, ...p.nums]));
  return `{"header": ${JSON.stringify(header, null, 2).replace(/\n/g, '\n  ')},\n"problems": [\n${rows.join(',\n')}\n]}\n`;
}

function describeCall(o: CountdownGeneratorCall): string {
  return `the call it froze: count ${o.count}, seed ${o.seed}, ${o.minNumbers}–${o.maxNumbers} numbers in ${o.minNumber}..${o.maxNumber}, targets ${o.minTarget}..${o.maxTarget}${o.allowUnusedNumbers ? ', unused numbers allowed' : ''}`;
}
