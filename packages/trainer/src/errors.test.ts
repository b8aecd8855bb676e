import { NonFiniteGradientError } from '@rlvr/kernels';
import { CheckpointError, NonFiniteCheckpointError } from './checkpoint/checkpoint-error.js';
import { CliError } from './cli/cli-error.js';
import { ConfigError } from './config/config-error.js';
import { DivergenceError, TrainerError } from './errors.js';
import { MetricsError } from './metrics/metrics-error.js';
import { ReportError } from './report/load-run.js';
import { DatasetError } from './tasks/dataset-error.js';

describe('TrainerError', () => {
  test('is the base of every error class of the package', () => {
    for (const type of [CheckpointError, NonFiniteCheckpointError, CliError, ConfigError, DatasetError, DivergenceError, MetricsError, ReportError]) {
      expect(type.prototype).toBeInstanceOf(TrainerError);
    }
  });

  test('recognises the package errors, across installs by the marker, and nothing else', () => {
    expect(TrainerError.isInstance(new ConfigError('optim.lr', 'bad'))).toBe(true);
    expect(TrainerError.isInstance(new Error('other'))).toBe(false);
    expect(TrainerError.isInstance(undefined)).toBe(false);
    const foreign = Object.assign(new Error('x'), { [Symbol.for('@rlvr/trainer/error')]: true });
    expect(TrainerError.isInstance(foreign)).toBe(true);
  });

  test('DivergenceError is told apart from the other errors by class, never by message', () => {
    expect(DivergenceError.isInstance(new DivergenceError('non-finite loss (NaN)'))).toBe(true);
    expect(DivergenceError.isInstance(new ConfigError('x', 'NaN is not allowed'))).toBe(false);
    expect(DivergenceError.isInstance(new NonFiniteGradientError('grad-norm: gradient norm is NaN'))).toBe(false);
    expect(new DivergenceError('x').name).toBe('DivergenceError');
  });
});
