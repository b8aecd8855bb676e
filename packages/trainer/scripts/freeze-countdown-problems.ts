/**
 * Writes (or, with --check, checks) the frozen Countdown problem sets of assets/countdown-problems/
 * (src/tasks/frozen-problems.ts): the problems that @rlvr/verifiers' `generateCountdownProblems`
 * drew with its own sfc32 PRNG before the package moved to @rlvr/core's `SeededRandom` (mulberry32),
 * for the two calls whose results are recorded: the demo preset's task (docs/results, the SFT model's
 * training problems and held-out split) and the embedded base model's pretraining (its PROVENANCE.md).
 *
 * The old generator lives on here only to make and check that data: sfc32 below is the verifiers'
 * former src/random.ts, and `sfc32Problems` its former draw loop (numbers, then the target uniform among
 * the reachable ones in ascending order), with reachability asked of `solveCountdown`. Before the switch
 * its output was compared with the package's generator, draw for draw, for both sets.
 *
 *   npx tsx --conditions=@rlvr/source scripts/freeze-countdown-problems.ts [--check]
 *
 * --check regenerates both sets and exits 1 unless the files hold exactly those problems and headers.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { solveCountdown } from '@rlvr/verifiers';
import { parseTrainConfig } from '../src/config/index.js';
import { PRESET_DATA_SEED, PRESET_TASK } from '../src/demo/countdown-preset.js';
import { pretrainingProblemOptions } from '../src/pretrain/countdown-corpus.js';
import {
  FROZEN_PROBLEM_SETS,
  countdownGeneratorCall,
  countdownGeneratorOptions,
  encodeFrozenProblems,
  type CountdownGeneratorCall,
  type FrozenProblemSetName,
  type FrozenProblemsHeader,
} from '../src/tasks/index.js';

/** sfc32 seeded through splitmix32, 12 outputs discarded: @rlvr/verifiers' PRNG until 2026-12-06. */
class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = (Math.trunc(seed) ^ Math.trunc(seed / 4294967296)) >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let k = 0; k < 12; k++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [min, max] by rejection sampling below the largest multiple of the range. */
  int(min: number, max: number): number {
    const range = max - min + 1;
    if (range <= 1) return min;
    const limit = Math.floor(4294967296 / range) * range;
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return min + (x % range);
  }
}

/** The former `generateCountdownProblems(o)` without the solutions (every option but allowUnusedNumbers). */
function sfc32Problems(o: CountdownGeneratorCall): { target: number; nums: number[] }[] {
  if (o.allowUnusedNumbers) throw new Error('only allowUnusedNumbers: false is reproduced here');
  const random = new Sfc32(o.seed);
  const problems: { target: number; nums: number[] }[] = [];
  let failures = 0;
  while (problems.length < o.count) {
    const size = random.int(o.minNumbers, o.maxNumbers);
    const nums: number[] = [];
    for (let k = 0; k < size; k++) nums.push(random.int(o.minNumber, o.maxNumber));
    const targets: number[] = [];
    for (let t = o.minTarget; t <= o.maxTarget; t++) if (solveCountdown(nums, t) !== null) targets.push(t);
    if (targets.length === 0) {
      if (++failures >= 1000) throw new Error('no solvable problem in 1000 draws');
      continue;
    }
    failures = 0;
    problems.push({ target: targets[random.int(0, targets.length - 1)]!, nums });
  }
  return problems;
}

const GENERATOR =
  '@rlvr/verifiers generateCountdownProblems as of commit 21878c0 (src/countdown/solver.ts, its PRNG src/random.ts)';
const ALGORITHM = 'sfc32, seeded through splitmix32 (12 outputs discarded)';
const SCRIPT = 'packages/trainer/scripts/freeze-countdown-problems.ts';

const presetGenerator = parseTrainConfig({ task: PRESET_TASK }).task.generator;
const SETS: { name: FrozenProblemSetName; description: string; options: CountdownGeneratorCall }[] = [
  {
    name: 'countdown-preset',
    description:
      `The demo preset's problems (rlvr demo, rlvr compare, the SFT model, rlvr eval of an embedded model): task.generator ` +
      `{count ${presetGenerator.count}, minNumbers ${presetGenerator.minNumbers}, maxNumbers ${presetGenerator.maxNumbers}, maxNumber ${presetGenerator.maxNumber}, ` +
      `maxTarget ${presetGenerator.maxTarget}, seed ${PRESET_DATA_SEED}}, whose generator seed is deriveSeed(${PRESET_DATA_SEED}, 1). ` +
      'Draw order, duplicates included (the task keeps the first of each); the held-out split is drawn from them with @rlvr/core.',
    options: countdownGeneratorCall(countdownGeneratorOptions(presetGenerator, PRESET_DATA_SEED)),
  },
  {
    name: 'countdown-pretraining',
    description:
      "The embedded base model's pretraining problems (assets/countdown-base): rlvr pretrain --steps 3000 --batch 32 --seed 1, " +
      'one per example in this order; generator seed deriveSeed(1, 0x9e71). Fewer steps × batch with --seed 1 use the first ones.',
    options: countdownGeneratorCall(pretrainingProblemOptions({ steps: 3000, batch: 32, seed: 1 })),
  },
];

const DIR = fileURLToPath(new URL('../assets/countdown-problems/', import.meta.url));
const check = process.argv.includes('--check');
if (!check) mkdirSync(DIR, { recursive: true });
let stale = 0;
for (const set of SETS) {
  const problems = sfc32Problems(set.options);
  const header: FrozenProblemsHeader = {
    description: set.description,
    algorithm: ALGORITHM,
    generator: GENERATOR,
    script: SCRIPT,
    options: set.options,
    count: problems.length,
  };
  const text = encodeFrozenProblems(header, problems);
  const file = DIR + FROZEN_PROBLEM_SETS[set.name];
  if (check) {
    const bytes = readFileSync(file);
    const current = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    const same = current === text;
    if (!same) stale++;
    console.log(`${file}: ${same ? 'matches' : 'DIFFERS from'} the regenerated ${problems.length} problems`);
  } else {
    writeFileSync(file, file.endsWith('.gz') ? gzipSync(text, { level: 9 }) : text);
    console.log(`${file}: ${problems.length} problems`);
  }
}
process.exitCode = stale === 0 ? 0 : 1;
