import {
  WEIGHTING_NAMES,
  type Weighting,
  ZERO_VARIANCE_MODES,
  groupAdvantages,
  groupSuccessRates,
  weighting,
  type WeightingParameters,
  type ZeroVarianceMode,
} from '@rlvr/weights';
import { CliError } from '../cli/cli-error.js';
import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { parseChoice, parseInteger, parseNumber } from '../cli/parse-options.js';
import { STDIN, readAllText, stdinOf } from '../cli/standard-input.js';
import { realRewardWeightings } from '../config/schema.js';

/** The success threshold when `--binarize` is not given: `weighting.binarize`'s default in `rlvr train`. */
const DEFAULT_BINARIZE = 1;

const OPTIONS = {
  weighting: {
    type: 'string',
    value: 'NAME',
    required: true,
    description: `Prompt weighting: ${WEIGHTING_NAMES.join(', ')}.`,
  },
  'group-size': {
    type: 'string',
    value: 'M',
    required: true,
    description: 'Responses per prompt (integer ≥ 2); the rewards are read in groups of M.',
  },
  rewards: {
    type: 'string',
    value: 'r1,r2,…|-',
    required: true,
    description:
      'Rewards separated by commas (or spaces, newlines), group after group (a multiple of M); - reads them from standard input. Any real reward for grpo, rloo, dr-grpo and reinforce; in [0, 1] for the others unless binarized.',
  },
  'zero-variance': {
    type: 'string',
    value: 'MODE',
    description: `What all-wrong / all-right groups get: ${ZERO_VARIANCE_MODES.join(', ')} (default weighting).`,
  },
  binarize: {
    type: 'string',
    value: 'T',
    description:
      'Count a reward ≥ T as a success (1) and anything below as 0 before weighting; default 1, as `rlvr train`; null = the rewards as given.',
  },
  threshold: {
    type: 'string',
    value: 'TAU',
    description: 'plateau-r only: end of the plateau, in (0, 1) (default 0.5).',
  },
  std: {
    type: 'string',
    value: 'KIND',
    description: 'grpo only: sample (default, as TRL/verl) or population standard deviation.',
  },
  epsilon: { type: 'string', value: 'EPS', description: 'grpo only: added to the std before dividing (default 1e-6).' },
  'cost-a': { type: 'string', value: 'A', description: 'cost-aware only: cost per update a ≥ 0 (default 1).' },
  'cost-b': {
    type: 'string',
    value: 'B',
    description: 'cost-aware only: cost per sampled response b ≥ 0 (default 1).',
  },
} as const;

const DESCRIPTION = [
  'Advantages A_i = ω(ρ̂)·(r_i − ρ̂) of groups of rewards under a prompt weighting. Prints one JSON object:',
  '  {"weighting": NAME, "advantages": [A_1, …], "rhoHat": [ρ̂ of each group]}',
  'The advantages are the float32 values the trainer uses; like `rlvr train` it counts a reward ≥ 1 as a success',
  'and anything below as a failure unless --binarize says otherwise (--binarize null: the rewards as given).',
].join('\n');

const EXAMPLES = [
  'rlvr weights --weighting linear-r --group-size 4 --rewards 1,0,0,0',
  'rlvr weights --weighting grpo --group-size 4 --rewards 1,0,0,0,0,0,0,0 --zero-variance zero',
  'rlvr weights --weighting plateau-r --threshold 0.3 --group-size 4 --rewards 1,1,0,0',
  'rlvr weights --weighting linear-r --group-size 4 --rewards 0.1,0.1,0.1,0.1 --binarize null',
  'rlvr weights --weighting rloo --group-size 4 --rewards 2,-1,0.5,0 --binarize null',
  "printf '1 0 0 0\\n0 0 0 1\\n' | rlvr weights --weighting linear-r --group-size 4 --rewards -",
];

/** The JSON that `rlvr weights` prints. */
export interface WeightsOutput {
  /** The weighting's name as given. */
  weighting: string;
  /** One advantage per reward, in input order. */
  advantages: number[];
  /** The success rate ρ̂ of each group: the success fraction, or the mean reward with `--binarize null`. */
  rhoHat: number[];
}

/** What separates rewards: a comma (with spaces around it), or spaces and newlines alone (`seq`, a file with one per line). */
const REWARD_SEPARATOR = /\s*,\s*|\s+/;

/**
 * Parse `--rewards`: finite numbers separated by commas, spaces or newlines (`what` names where they came
 * from in messages). Which rewards a weighting accepts is its own rule ({@link checkRewardDomain}).
 */
export function parseRewards(text: string, what = '--rewards'): number[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new CliError(what, 'no rewards; expected numbers such as 1,0,0,1');
  const entries = trimmed.split(REWARD_SEPARATOR);
  return entries.map((entry, index) => {
    const where = `entry ${index + 1} of ${entries.length}: `;
    if (entry === '') throw new CliError(what, `${where}empty; expected comma-separated numbers such as 1,0,0,1`);
    return parseNumber(what, entry, where);
  });
}

/**
 * A weighting that reads ρ̂ as a success rate takes raw rewards in [0, 1] only: the first reward outside,
 * named with the weighting and the two ways on. Binarized rewards are 0 or 1 whatever they were.
 */
function checkRewardDomain(rewards: readonly number[], rule: Weighting, binarize: number | undefined): void {
  if (binarize !== undefined || rule.rewardDomain !== 'unit') return;
  const index = rewards.findIndex((r) => !(r >= 0 && r <= 1));
  if (index === -1) return;
  throw new CliError(
    '--rewards',
    `entry ${index + 1} of ${rewards.length}: ${rule.name} reads ρ̂ as a success rate and takes rewards in [0, 1], got ${rewards[index]}; binarize them (--binarize T) or use a weighting that takes any real reward (${realRewardWeightings().join(', ')})`,
  );
}

/**
 * Parse `--binarize`: the success threshold, 1 when not given (the training config's default, so that
 * the advantages printed are the ones a default run computes), `undefined` for `null` (raw rewards).
 */
export function parseBinarize(text: string | undefined): number | undefined {
  if (text === undefined) return DEFAULT_BINARIZE;
  if (text.trim() === 'null') return undefined;
  return parseNumber('--binarize', text);
}

/** `rlvr weights`: a group of rewards → advantages under a weighting, as JSON. */
export const weightsCommand: Command = defineCommand({
  name: 'weights',
  summary: 'Advantages and ρ̂ of groups of rewards under a prompt weighting (JSON).',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: EXAMPLES,
  async execute(options, io) {
    const name = parseChoice('--weighting', options.weighting!, WEIGHTING_NAMES);
    const groupSize = parseInteger('--group-size', options['group-size']!, 2);
    const rewards =
      options.rewards === STDIN
        ? parseRewards(await readAllText(stdinOf(io)), '--rewards - (standard input)')
        : parseRewards(options.rewards!);
    if (rewards.length % groupSize !== 0) {
      throw new CliError(
        '--rewards',
        `expected a multiple of --group-size = ${groupSize} rewards, got ${rewards.length}`,
      );
    }
    const zeroVariance: ZeroVarianceMode =
      options['zero-variance'] === undefined
        ? 'weighting'
        : parseChoice('--zero-variance', options['zero-variance'], ZERO_VARIANCE_MODES);
    const binarize = parseBinarize(options.binarize);

    // Only the parameters that were given: the library refuses ones the weighting does not take,
    // and that refusal (mapped back to the flag) is the message the user should see.
    const parameters: WeightingParameters = {};
    if (options.threshold !== undefined) parameters.threshold = parseNumber('--threshold', options.threshold);
    if (options.std !== undefined) {
      parameters.std = parseChoice('--std', options.std, ['sample', 'population'] as const);
    }
    if (options.epsilon !== undefined) parameters.epsilon = parseNumber('--epsilon', options.epsilon);
    if (options['cost-a'] !== undefined) parameters.a = parseNumber('--cost-a', options['cost-a']);
    if (options['cost-b'] !== undefined) parameters.b = parseNumber('--cost-b', options['cost-b']);
    const rule = weighting(name, parameters);
    checkRewardDomain(rewards, rule, binarize);

    const advantages = groupAdvantages(rewards, groupSize, rule, { zeroVariance, binarizeThreshold: binarize });
    const output: WeightsOutput = {
      weighting: name,
      advantages: Array.from(advantages),
      rhoHat: Array.from(groupSuccessRates(rewards, groupSize, binarize)),
    };
    io.stdout.write(`${JSON.stringify(output)}\n`);
    return 0;
  },
});
