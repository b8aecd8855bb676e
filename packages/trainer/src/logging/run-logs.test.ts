import { parseTrainConfig } from '../config/load-config.js';
import { ConfigError } from '../config/config-error.js';
import { thrownBy } from '../testing/thrown.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { syntheticStep } from '../metrics/testing/synthetic-metrics.js';
import { useTempDir } from '../testing/temp-dir.js';
import { readCompletions, spreadIndices } from './completions-log.js';
import { openRunLogs, tensorboardDir, type ScoredRollout } from './run-logs.js';

const tempDir = useTempDir('rlvr-run-logs-');

describe('logging config', () => {
  test('logging.tensorboard: off by default, true = RUN_DIR/tensorboard, a path = that folder', () => {
    const dir = (tensorboard?: unknown) => tensorboardDir(parseTrainConfig(tensorboard === undefined ? {} : { logging: { tensorboard } }).logging, 'runs/a');
    expect(dir()).toBeNull();
    expect(dir(true)).toBe('runs/a/tensorboard');
    expect(dir('tb/a')).toBe('tb/a');
    // As typed on the command line (--tensorboard true).
    expect(dir('true')).toBe('runs/a/tensorboard');
    expect(dir('false')).toBeNull();
  });

  test('bad values are errors naming the field', () => {
    expect(thrownBy(() => parseTrainConfig({ logging: { tensorboard: '' } }), ConfigError).message).toMatch(/logging\.tensorboard/);
    expect(thrownBy(() => parseTrainConfig({ logging: { completions: -1 } }), ConfigError).message).toMatch(/logging\.completions/);
    expect(parseTrainConfig({}).logging.completions).toBe(4);
  });
});

describe('which completions are logged', () => {
  test('N spread evenly over the step’s responses (one per group when N = groups), all when N ≥ responses', () => {
    expect(spreadIndices(4, 32)).toEqual([0, 8, 16, 24]);
    expect(spreadIndices(3, 12)).toEqual([0, 4, 8]);
    expect(spreadIndices(5, 3)).toEqual([0, 1, 2]);
    expect(spreadIndices(0, 12)).toEqual([]);
  });
});

describe('openRunLogs', () => {
  const rollouts: ScoredRollout[] = Array.from({ length: 8 }, (_, i) => ({
    rollout: { promptIds: [i >> 2, 7], text: `answer ${i}` },
    score: { reward: i % 2, correct: i % 2 === 1 },
    advantage: i / 10,
  }));
  const decode = (ids: readonly number[]) => `prompt ${ids.join(' ')}`;

  test('logging.completions N: N of the step’s responses with their prompt decoded; 0 writes no file', async () => {
    const on = join(tempDir(), 'on');
    (await openRunLogs({ tensorboard: false, completions: 2 }, on, decode)).record(syntheticStep(1, 4), rollouts);
    expect(readCompletions(on)).toEqual([
      { step: 1, prompt: 'prompt 0 7', completion: 'answer 0', reward: 0, advantage: 0, correct: false },
      { step: 1, prompt: 'prompt 1 7', completion: 'answer 4', reward: 0, advantage: 0.4, correct: false },
    ]);
    const off = join(tempDir(), 'off');
    (await openRunLogs({ tensorboard: false, completions: 0 }, off, decode)).record(syntheticStep(1, 4), rollouts);
    expect(existsSync(join(off, 'completions.jsonl'))).toBe(false);
    expect(existsSync(join(off, 'tensorboard'))).toBe(false);
  });
});
