import { parseTrainConfig } from '../config/load-config.js';
import { ConfigError } from '../config/config-error.js';
import { thrownBy } from '../testing/thrown.js';
import { spreadIndices } from './completions-log.js';
import { tensorboardDir } from './run-logs.js';

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
