import { fileURLToPath } from 'node:url';
import { VerifierPool } from '@rlvr/verifiers';
import { ConfigError, parseTrainConfig, type TrainConfigInput } from '../config/index.js';
import { overlongPenalty, resolveRewards, scoreCompletions } from './reward-functions.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/custom-verifier/', import.meta.url));
const LAST_NUMBER = `${EXAMPLE}last-number.mjs`;
const BARE_NUMBER = `${EXAMPLE}bare-number.mjs`;

const config = (extra: Partial<TrainConfigInput>) => parseTrainConfig({ task: { name: 'countdown', verifier: LAST_NUMBER }, weighting: { binarize: null }, ...extra });

describe('overlongPenalty (DAPO: 0 up to L_max − L_cache, then −(L − (L_max − L_cache)) / L_cache × factor)', () => {
  test('worked by hand for L_max 100, L_cache 20', () => {
    expect([0, 80].map((l) => overlongPenalty(l, 100, 20, 1))).toEqual([0, 0]);
    expect(overlongPenalty(81, 100, 20, 1)).toBeCloseTo(-0.05, 15);
    expect(overlongPenalty(90, 100, 20, 1)).toBeCloseTo(-0.5, 15);
    expect(overlongPenalty(100, 100, 20, 1)).toBe(-1);
    expect(overlongPenalty(90, 100, 20, 0.5)).toBeCloseTo(-0.25, 15);
    expect(overlongPenalty(100, 100, 0, 1)).toBe(0);
  });
});

describe('scoreCompletions on a real VerifierPool with the example modules', () => {
  let pool: VerifierPool;
  afterEach(async () => await pool?.close());

  const items = [
    { completion: '12', length: 1, reference: 12 },
    { completion: 'the sum is 12', length: 90, reference: 12 },
    { completion: '7', length: 100, reference: 12 },
  ];

  test('two weighted functions: reward = 1 × last-number + 0.2 × bare-number, success = last-number’s verdict', async () => {
    const setup = await resolveRewards(config({ reward: { functions: ['task', BARE_NUMBER], weights: [1, 0.2] } }), 'countdown');
    expect(setup.correctness.name).toBe('last-number');
    expect(setup.modules.sort()).toEqual([BARE_NUMBER, LAST_NUMBER].sort());
    pool = new VerifierPool({ threads: 1, modules: setup.modules });
    const scores = await scoreCompletions(pool, setup, items);
    expect(scores.map((s) => s.correct)).toEqual([true, true, false]);
    expect(scores.map((s) => s.reward)).toEqual([1.2, 1, 0.2]);
    expect(scores.map((s) => s.components)).toEqual([
      { 'last-number': 1, 'bare-number': 1 },
      { 'last-number': 1, 'bare-number': 0 },
      { 'last-number': 0, 'bare-number': 1 },
    ]);
  });

  test('the overlong penalty adds to the reward and is its own component; success is unchanged', async () => {
    const setup = await resolveRewards(config({ sampling: { maxNewTokens: 100 }, reward: { overlongBuffer: 20, overlongPenalty: 0.5 } }), 'countdown');
    pool = new VerifierPool({ threads: 1, modules: setup.modules });
    const scores = await scoreCompletions(pool, setup, items);
    expect(scores.map((s) => s.correct)).toEqual([true, true, false]);
    expect(scores.map((s) => s.components)).toEqual([
      { 'last-number': 1, overlong: 0 },
      { 'last-number': 1, overlong: -0.25 },
      { 'last-number': 0, overlong: -0.5 },
    ]);
    expect(scores.map((s) => s.reward)).toEqual([1, 0.75, -0.5]);
  });

  test('without reward functions or penalty the reward is the correctness verifier’s alone, without components', async () => {
    const setup = await resolveRewards(parseTrainConfig({ task: { name: 'gsm8k', dataset: 'x.jsonl' } }), 'gsm8k');
    expect([setup.correctness.name, setup.custom, setup.modules]).toEqual(['gsm8k', false, []]);
    pool = new VerifierPool({ threads: 1 });
    const scores = await scoreCompletions(pool, setup, [{ completion: '\\boxed{12}', length: 3, reference: '12' }]);
    expect(scores).toEqual([{ reward: 1, correct: true }]);
  });
});

describe('reward configuration errors', () => {
  test('two functions of one name', async () => {
    await expect(resolveRewards(config({ reward: { functions: ['task', LAST_NUMBER] } }), 'countdown')).rejects.toThrow(
      new ConfigError('reward.functions[1]', 'a second reward function named "last-number"; each component is logged under its own name'),
    );
  });

  test('weights that do not match the functions, a buffer past maxNewTokens, a shaped reward with binarize', () => {
    expect(() => parseTrainConfig({ weighting: { binarize: null }, reward: { functions: ['task', BARE_NUMBER], weights: [1] } })).toThrow(
      /reward\.weights: got \[1\] \(in the config\); expected 2 weights, one per reward function \(reward\.functions has 2\)/,
    );
    expect(() => parseTrainConfig({ weighting: { binarize: null }, sampling: { maxNewTokens: 16 }, reward: { overlongBuffer: 17 } })).toThrow(
      /reward\.overlongBuffer: got 17 \(in the config\); expected at most sampling\.maxNewTokens = 16/,
    );
    expect(() => parseTrainConfig({ reward: { functions: ['task', BARE_NUMBER] } })).toThrow(
      /weighting\.binarize: .*must be null with several reward functions \(binarizing would keep only whether the shaped reward crossed the threshold\): set weighting\.binarize: null/,
    );
    expect(() => parseTrainConfig({ reward: { overlongBuffer: 8 } })).toThrow(/weighting\.binarize: .*must be null with the overlong penalty/);
  });
});
