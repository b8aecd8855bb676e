import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WEIGHTING_NAMES, groupAdvantages, weighting } from '@rlvr/weights';
import { useTempDir } from '../testing/temp-dir.js';
import { TrainerError } from '../errors.js';
import { thrownBy } from '../testing/thrown.js';
import { ConfigError, ConfigFileError } from './config-error.js';
import { configFields, flagFields } from './fields.js';
import { loadTrainConfig, parseOverrides, parseTrainConfig } from './load-config.js';
import { adamWOptions, policyLossConfig } from './kernel-options.js';
import { learningRateAt } from './lr-schedule.js';
import { configReference, configReferenceMarkdown } from './reference.js';
import { writeRunConfig } from './run-config.js';
import { configuredWeighting } from './schema.js';

const tempDir = useTempDir('rlvr-config-');

async function configFile(name: string, content: unknown): Promise<string> {
  const path = join(tempDir(), name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The ConfigError thrown by `run`, so that several of its properties can be checked. */
const configError = (run: () => unknown): ConfigError => thrownBy(run, ConfigError);

describe('defaults', () => {
  test('an empty config is complete, with TRL-like defaults', () => {
    const c = parseTrainConfig({});
    expect(c.optim).toEqual({ lr: 1e-6, schedule: 'constant', warmupSteps: 0, warmupRatio: 0, minLrRatio: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 });
    expect(c.sampling.groupSize).toBe(8);
    expect(c.ppo).toEqual({ epochs: 1, miniBatches: 1, microBatchSize: 8, epsLow: 0.2, epsHigh: 0.2, importanceLevel: 'token', clipRatioC: null, oldLogprobs: 'auto' });
    expect(c.weighting).toEqual({ name: 'grpo', zeroVariance: 'weighting', binarize: 1 });
    expect(c.task.name).toBe('countdown');
    expect(c.task.generator.minNumbers).toBe(3);
    expect(c.kl).toEqual({ beta: 0, estimator: 'k3', reference: null, inReward: false, rewardCoef: 0.001, rewardEstimator: 'k1' });
    expect(c.model.path).toBeNull();
    expect(c.backend).toBe('auto');
  });

  test('rewards are binarized at 1 by default for every weighting; null selects raw rewards', () => {
    for (const name of ['grpo', 'linear-r', 'uniform-r', 'reinforce']) {
      expect(parseTrainConfig({ weighting: { name } }).weighting.binarize).toBe(1);
    }
    expect(parseTrainConfig({}, ['--binarize', 'null']).weighting.binarize).toBeNull();
    expect(parseTrainConfig({ weighting: { binarize: null } }).weighting.binarize).toBeNull();
    expect(parseTrainConfig({}, ['--binarize', '0.5']).weighting.binarize).toBe(0.5);
  });

  test('nested fields not given keep their defaults next to the ones given', () => {
    const c = parseTrainConfig({ optim: { lr: 3e-6 }, task: { generator: { count: 10 } } });
    expect(c.optim.lr).toBe(3e-6);
    expect(c.optim.beta2).toBe(0.999);
    expect(c.task.generator).toEqual({ count: 10, minNumbers: 3, maxNumbers: 4, maxNumber: 99, maxTarget: 100, seed: null, frozen: null });
  });
});

describe('CLI overrides win over the file', () => {
  test('short flags, dotted paths (camel and kebab), = form, null', async () => {
    const file = await configFile('base.json', { optim: { lr: 1e-5 }, weighting: { name: 'grpo' }, sampling: { maxNewTokens: 64 } });
    const c = await loadTrainConfig(file, [
      '--lr',
      '1e-6',
      '--weighting',
      'sqrt-r',
      '--sampling.max-new-tokens',
      '128',
      '--kl.beta=0.01',
      '--ppo.epsHigh',
      '0.28',
      '--max-grad-norm',
      'null',
      '--eval.pass-at-k',
      '1,4',
      '--eval.samples',
      '4',
      '--temperature',
      '0.7',
    ]);
    expect(c.optim.lr).toBe(1e-6);
    expect(c.weighting.name).toBe('sqrt-r');
    expect(c.sampling.maxNewTokens).toBe(128);
    expect(c.kl.beta).toBe(0.01);
    expect(c.ppo.epsHigh).toBe(0.28);
    expect(c.optim.maxGradNorm).toBeNull();
    expect(c.eval.passAtK).toEqual([1, 4]);
    expect(c.sampling.temperature).toBe(0.7);
    expect(c.eval.temperature).toBe(1);
  });

  test('weighting parameters by override reach the registry check', () => {
    expect(parseTrainConfig({}, ['--weighting', 'plateau-r', '--weighting.threshold', '0.3']).weighting.threshold).toBe(0.3);
    const error = configError(() => parseTrainConfig({}, ['--weighting', 'plateau-r', '--weighting.threshold', '1.5']));
    expect(error.field).toBe('weighting.threshold');
    expect(error.message).toMatch(/1\.5/);
    expect(error.message).toMatch(/strictly between 0 and 1/);
  });

  test('unknown flag with a suggestion, missing value, a field set twice', () => {
    expect(() => parseOverrides(['--lrr', '1'])).toThrow(/--lrr: unknown config field \(did you mean --lr\?\)/);
    expect(() => parseOverrides(['--lr'])).toThrow(/--lr: expects a value \(optim\.lr\)/);
    expect(() => parseOverrides(['--lr', '--seed', '1'])).toThrow(/--lr: expects a value/);
    expect(() => parseOverrides(['--lr', '1', '--optim.lr', '2'])).toThrow('--optim.lr: sets optim.lr to 2, but --lr sets it to 1; give one of them');
    expect(parseOverrides(['--lr', '1e-6', '--optim.lr', '0.000001'])).toHaveLength(1);
    expect(() => parseOverrides(['lr', '1'])).toThrow(ConfigError);
  });

  test('ambiguous leaf names need a dotted path; unique ones do not', () => {
    const flags = flagFields();
    expect(flags.get('interval')).toBeUndefined(); // eval.interval and checkpoint.interval
    expect(flags.get('eval.interval')?.name).toBe('eval.interval');
    expect(flags.get('group-size')?.name).toBe('sampling.groupSize');
    expect(flags.get('weighting')?.name).toBe('weighting.name');
    // TRL's --epsilon is the PPO clip, never GRPO's std guard, which needs its path.
    expect(flags.get('epsilon')?.name).toBe('ppo.epsLow');
    expect(flags.get('weighting.epsilon')?.name).toBe('weighting.epsilon');
  });
});

describe('a bad field fails with the field, the value and what is allowed', () => {
  test('number below its range, from the file', async () => {
    const file = await configFile('bad-lr.json', { optim: { lr: -1 } });
    await expect(loadTrainConfig(file)).rejects.toThrow(`optim.lr: got -1 (in ${file} line 1); expected a number > 0`);
  });

  test('number from a flag says which flag', () => {
    const error = configError(() => parseTrainConfig({}, ['--group-size', '1']));
    expect(error.field).toBe('sampling.groupSize');
    expect(error.message).toBe('sampling.groupSize: got 1 (from --group-size); expected a number ≥ 2');
  });

  test('not a number at all', () => {
    expect(() => parseTrainConfig({}, ['--lr', 'fast'])).toThrow('optim.lr: got "fast" (from --lr); expected a number');
  });

  test('integer field given a fraction', () => {
    expect(() => parseTrainConfig({ sampling: { promptsPerStep: 2.5 } })).toThrow('sampling.promptsPerStep: got 2.5 (in the config); expected an integer');
  });

  test('enum lists its values', () => {
    expect(() => parseTrainConfig({ loss: { aggregation: 'sum' } })).toThrow(
      'loss.aggregation: got "sum" (in the config); expected one of token-mean, seq-mean-token-mean, seq-mean-token-sum, seq-mean-token-sum-norm, micro-batch-token-mean',
    );
  });

  test('weighting names come from the @rlvr/weights registry', () => {
    for (const name of WEIGHTING_NAMES) expect(parseTrainConfig({ weighting: { name } }).weighting.name).toBe(name);
    const error = configError(() => parseTrainConfig({}, ['--weighting', 'sqrt']));
    expect(error.field).toBe('weighting.name');
    expect(error.message).toContain('got "sqrt" (from --weighting)');
    // The allowed list is the registry's, whatever it holds.
    for (const name of WEIGHTING_NAMES) expect(error.message).toContain(name);
  });

  test('a parameter the weighting does not take', () => {
    const error = configError(() => parseTrainConfig({ weighting: { name: 'rloo', threshold: 0.3 } }));
    expect(error.field).toBe('weighting.threshold');
    expect(error.message).toMatch(/rloo takes no parameter "threshold"/);
  });

  test('unknown field (a typo) names the allowed keys of its object', () => {
    const error = configError(() => parseTrainConfig({ optim: { learningRate: 1e-6 } }));
    expect(error.field).toBe('optim.learningRate');
    expect(error.message).toMatch(/unknown field \(in the config\); expected one of lr, schedule, warmupSteps/);
  });

  test('cross-field rules', () => {
    expect(() => parseTrainConfig({ sampling: { promptsPerStep: 6 }, ppo: { miniBatches: 4 } })).toThrow(
      /^ppo\.miniBatches: got 4 \(in the config\); expected a divisor of sampling\.promptsPerStep = 6/,
    );
    expect(() => parseTrainConfig({ task: { name: 'gsm8k' } })).toThrow(/^task\.dataset: got null .*gsm8k has no generator/);
    expect(() => parseTrainConfig({ eval: { samples: 4, passAtK: [1, 8] } })).toThrow(/^eval\.passAtK\.1: got 8 .*expected k ≤ eval\.samples = 4/);
  });

  test('several problems: the first in full, the others named', () => {
    const error = configError(() => parseTrainConfig({ optim: { lr: 0 }, seed: -1, backend: 'tpu' }));
    expect(error.message).toMatch(/^optim\.lr: got 0 .*\(and 2 more: seed, backend\)$/);
  });

  test('a file that cannot be read (missing, a directory) is a ConfigFileError naming it, not a ConfigError', async () => {
    for (const [file, code] of [
      [join(tempDir(), 'nope.json'), 'ENOENT'],
      [tempDir(), 'EISDIR'],
    ] as const) {
      const error = await loadTrainConfig(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigFileError);
      expect(error).not.toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ file, errno: code, message: expect.stringContaining(`cannot read config file ${file}: `) });
    }
  });

  test('file problems: invalid JSON, not an object', async () => {
    await expect(loadTrainConfig(await configFile('broken.json', '{"optim": '))).rejects.toThrow(/broken\.json is not valid JSON/);
    await expect(loadTrainConfig(await configFile('array.json', [1]))).rejects.toThrow(/expected a JSON object at the top level, got \[1\]/);
  });
});

describe('reference', () => {
  test('every leaf is documented; rows cover every field once', () => {
    const rows = configReference();
    expect(rows.length).toBe(configFields().length);
    expect(new Set(rows.map((r) => r.field)).size).toBe(rows.length);
    for (const row of rows) expect(row.description.length).toBeGreaterThan(10);
    const lr = rows.find((r) => r.field === 'optim.lr')!;
    expect(lr).toEqual({
      field: 'optim.lr',
      flag: '--lr',
      trlFlag: '--learning_rate',
      defaultValue: '0.000001',
      description: expect.any(String),
      trl: 'learning_rate',
      verl: 'actor_rollout_ref.actor.optim.lr',
    });
    expect(rows.find((r) => r.field === 'sampling.groupSize')).toMatchObject({ trl: 'num_generations', verl: 'actor_rollout_ref.rollout.n' });
  });

  test('the common GRPO/PPO knobs all exist as config fields', () => {
    const names = new Set(configFields().map((f) => f.name));
    for (const name of [
      'model.path',
      'task.name',
      'weighting.name',
      'weighting.zeroVariance',
      'sampling.groupSize',
      'sampling.promptsPerStep',
      'sampling.maxNewTokens',
      'sampling.temperature',
      'sampling.topP',
      'optim.lr',
      'optim.schedule',
      'optim.warmupSteps',
      'optim.beta1',
      'optim.beta2',
      'optim.weightDecay',
      'optim.maxGradNorm',
      'ppo.epochs',
      'ppo.miniBatches',
      'ppo.epsLow',
      'ppo.epsHigh',
      'kl.beta',
      'kl.estimator',
      'kl.reference',
      'loss.aggregation',
      'loss.tisCap',
      'ppo.microBatchSize',
      'eval.interval',
      'task.testDataset',
      'checkpoint.interval',
      'seed',
      'backend',
    ]) {
      expect(names).toContain(name);
    }
  });

  test('markdown table has a row per field', () => {
    const table = configReferenceMarkdown();
    expect(table.trimEnd().split('\n')).toHaveLength(configFields().length + 2);
    expect(table).toContain('| `optim.lr` | `--lr` `--learning_rate` | `0.000001` |');
  });

  test('the package README holds the current table (regenerate it from configReferenceMarkdown when a field changes)', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    expect(readme).toContain(configReferenceMarkdown());
  });
});

describe('learning-rate schedule (HF conventions)', () => {
  test('warm-up then constant: lr·s/w with s = step − 1', () => {
    const { optim } = parseTrainConfig({ optim: { lr: 1e-3, warmupSteps: 4 } });
    expect([1, 2, 3, 4, 5, 6, 100].map((step) => learningRateAt(optim, step, 100))).toEqual([0, 2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3]);
  });

  test('cosine: closed form at warm-up end, half-way and the end, floored at minLrRatio', () => {
    const { optim } = parseTrainConfig({ optim: { lr: 1, warmupSteps: 2, schedule: 'cosine', minLrRatio: 0.1 } });
    // T = 12, w = 2: progress (s − 2)/10.
    expect(learningRateAt(optim, 3, 12)).toBe(1); // s = 2: cos 0
    expect(learningRateAt(optim, 8, 12)).toBeCloseTo(0.1 + 0.9 * 0.5, 15); // s = 7: cos(π/2) = 0
    expect(learningRateAt(optim, 10, 12)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.cos(0.7 * Math.PI)), 15);
    expect(learningRateAt(optim, 12, 12)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.cos(0.9 * Math.PI)), 15);
    expect(learningRateAt(optim, 50, 12)).toBeCloseTo(0.1, 15); // past the end: the floor
    expect(thrownBy(() => learningRateAt(optim, 0, 12), TrainerError).message).toBe('learningRateAt: step must be an integer ≥ 1 (steps are 1-based), got 0');
    expect(thrownBy(() => learningRateAt(optim, 1, 0), TrainerError).message).toMatch(/maxSteps must be an integer ≥ 1, got 0/);
  });

  test('warmupRatio: ⌈ratio · maxSteps⌉ warm-up steps (0.05 of 50 → 3), then lr; not with warmupSteps', () => {
    const { optim } = parseTrainConfig({ optim: { lr: 3, warmupRatio: 0.05 } });
    expect([1, 2, 3, 4, 50].map((step) => learningRateAt(optim, step, 50))).toEqual([0, 1, 2, 3, 3]);
    expect(learningRateAt(optim, 2, 100)).toBe(3 / 5); // 100 steps: 5 warm-up steps
    expect(() => parseTrainConfig({ optim: { warmupSteps: 2, warmupRatio: 0.1 } })).toThrow('optim.warmupRatio: got 0.1 (in the config); set warmupSteps (2) or warmupRatio, not both');
  });
});

describe('kernel options', () => {
  test('every loss and optimizer field reaches the kernels', () => {
    const config = parseTrainConfig({}, [
      '--eps-low',
      '0.1',
      '--eps-high',
      '0.28',
      '--kl.beta',
      '0.04',
      '--kl.estimator',
      'k1',
      '--tis-cap',
      '2',
      '--aggregation',
      'seq-mean-token-sum-norm',
      '--max-new-tokens',
      '64',
      '--temperature',
      '0.8',
      '--entropy-coef',
      '0.001',
      '--beta1',
      '0.8',
      '--beta2',
      '0.99',
      '--eps',
      '1e-6',
      '--weight-decay',
      '0.1',
      '--max-grad-norm',
      '0.5',
    ]);
    expect(policyLossConfig(config)).toEqual({
      epsLow: 0.1,
      epsHigh: 0.28,
      beta: 0.04,
      kl: 'k1',
      tisCap: 2,
      aggregation: 'seq-mean-token-sum-norm',
      normaliser: 64,
      temperature: 0.8,
      entropyCoef: 0.001,
      importanceLevel: 'token',
      clipRatioC: null,
      tisMode: 'token-truncate',
      topEntropyQuantile: 1,
    });
    expect(adamWOptions(config, 3e-6)).toEqual({ lr: 3e-6, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, maxGradNorm: 0.5 });
    expect(adamWOptions(parseTrainConfig({}, ['--max-grad-norm', 'null']), 1).maxGradNorm).toBeUndefined();
    expect(policyLossConfig(parseTrainConfig({ loss: { normaliser: 100 } })).normaliser).toBe(100);
    // GSPO, dual clip, the IS mode, the top-entropy mask and the newer estimators by their flags; TRL's bnpo runs as token-mean per micro-batch.
    const variants = parseTrainConfig({ ppo: { clipRatioC: 3 }, loss: { aggregation: 'micro-batch-token-mean' }, kl: { estimator: 'low-var-kl' } }, [
      '--importance-level',
      'sequence',
      '--tis-mode',
      'sequence-mask',
      '--top-entropy-quantile',
      '0.2',
    ]);
    expect(policyLossConfig(variants)).toMatchObject({ importanceLevel: 'sequence', clipRatioC: 3, kl: 'low-var-kl', tisMode: 'sequence-mask', topEntropyQuantile: 0.2, aggregation: 'token-mean' });
    expect(() => parseTrainConfig({ ppo: { clipRatioC: 1 } })).toThrow(/ppo\.clipRatioC/);
    expect(() => parseTrainConfig({ loss: { topEntropyQuantile: 0 } })).toThrow(/loss\.topEntropyQuantile/);
    // KL as a reward penalty needs raw rewards: binarizing would erase it.
    expect(() => parseTrainConfig({ kl: { inReward: true } })).toThrow(/weighting\.binarize: .*must be null with kl\.inReward/);
    expect(parseTrainConfig({ kl: { inReward: true, rewardEstimator: 'k2' }, weighting: { binarize: null } }).kl).toMatchObject({ inReward: true, rewardCoef: 0.001, rewardEstimator: 'k2' });
  });
});

describe('run config', () => {
  test('config.json of a run loads back to the same configuration', async () => {
    const config = parseTrainConfig({}, ['--weighting', 'plateau-r', '--weighting.threshold', '0.3', '--lr', '2e-6']);
    const path = writeRunConfig(join(tempDir(), 'run'), config);
    expect(path).toBe(join(tempDir(), 'run', 'config.json'));
    expect(await loadTrainConfig(path)).toEqual(config);
  });
});

describe('configuredWeighting', () => {
  it('carries the configured parameters into the weighting the loop uses', () => {
    // ρ̂ = 0.375 lies inside the default plateau (τ = 0.5) and outside one ending at τ = 0.25.
    const rewards = [1, 1, 1, 0, 0, 0, 0, 0];
    const plateau = (extra: Record<string, unknown>): Float32Array => groupAdvantages(rewards, 8, configuredWeighting(parseTrainConfig({ weighting: { name: 'plateau-r', ...extra } }).weighting));
    expect(Array.from(plateau({ threshold: 0.25 }))).not.toEqual(Array.from(plateau({})));
    expect(Array.from(plateau({ threshold: 0.25 }))).toEqual(Array.from(groupAdvantages(rewards, 8, weighting('plateau-r', { threshold: 0.25 }))));
  });
});
