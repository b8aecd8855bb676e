import { groupAdvantages, weighting } from '@rlvr/weights';
import { runCli } from '../cli/run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import { parseTrainConfig } from './load-config.js';
import { realRewardWeightings } from './schema.js';

const shaped = ['--binarize', 'null', '--overlong-buffer', '4'];

describe('raw rewards outside [0, 1] and the weighting', () => {
  test('the real-reward weightings are those @rlvr/weights lets take a negative reward', () => {
    expect(realRewardWeightings()).toEqual(['grpo', 'rloo', 'dr-grpo', 'reinforce']);
    for (const name of realRewardWeightings()) expect(() => groupAdvantages([-1, 0.5], 2, weighting(name))).not.toThrow();
    expect(() => groupAdvantages([-1, 0.5], 2, weighting('linear-r'))).toThrow(/\[0, 1\] for linear-r/);
  });

  test('the overlong penalty makes rewards negative: fine for grpo and rloo, refused for linear-r naming it', () => {
    expect(parseTrainConfig({}, [...shaped, '--weighting', 'grpo']).reward.overlongBuffer).toBe(4);
    expect(parseTrainConfig({}, [...shaped, '--weighting', 'rloo']).weighting.name).toBe('rloo');
    expect(() => parseTrainConfig({}, [...shaped, '--weighting', 'linear-r'])).toThrow(
      'weighting.name: got "linear-r" (from --weighting); linear-r reads ρ̂ as a success rate and takes rewards in [0, 1], but with weighting.binarize null these rewards (reward.weights, reward.overlongPenalty) range over [-1, 1]; use a weighting that takes any real reward (grpo, rloo, dr-grpo, reinforce)',
    );
  });

  test('weighted reward functions: a sum that can pass 1 is refused for sqrt-r; weights summing to 1 are not', () => {
    const functions = { task: { verifier: 'gsm8k' }, reward: { functions: ['task', 'gsm8k'] }, weighting: { binarize: null } };
    expect(() => parseTrainConfig({ ...functions, weighting: { name: 'sqrt-r', binarize: null } })).toThrow(/range over \[0, 2\]/);
    expect(() => parseTrainConfig({ ...functions, weighting: { name: 'sqrt-r', binarize: null } }, ['--reward_weights', '0.5,0.5'])).not.toThrow();
  });

  test('rlvr train refuses it before any work: exit 2, one line', async () => {
    const io = captureIo();
    expect(await runCli(['train', ...shaped, '--weighting', 'plateau-r'], io)).toBe(2);
    expect(io.err()).toMatch(/^rlvr train: weighting\.name: got "plateau-r" \(from --weighting\); plateau-r reads ρ̂ as a success rate .* \(see: rlvr train --help\)\n$/);
  });
});
