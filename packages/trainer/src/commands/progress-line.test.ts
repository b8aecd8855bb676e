import type { StepMetrics } from '../metrics/index.js';
import { progressWriter } from './train.js';

const step = {
  kind: 'step',
  step: 2,
  elapsedSeconds: 10,
  accuracy: 0.25,
  rhoHistogram: [3, 1, 0],
  tokensPerSecond: 123.4,
} as StepMetrics;

const lineOf = (m: StepMetrics): string => {
  const out: string[] = [];
  progressWriter({ write: (t: string) => out.push(t), isTTY: false })(m, 4);
  return out.join('');
};

describe('progress line', () => {
  it('says step, accuracy, the ρ̂ = 0 share, tokens/s and the ETA', () => {
    expect(lineOf(step)).toBe('step 2/4  acc 0.250  ρ̂=0 0.75  123 tok/s  ETA 0m10s\n');
  });

  it('with rollout workers adds their count, the queue (waiting+running) and a staleness above 0', () => {
    const rollout = { staleness: 0, workers: 2, queueWaiting: 3, queueActive: 2, requeued: 0 };
    expect(lineOf({ ...step, rollout })).toBe('step 2/4  acc 0.250  ρ̂=0 0.75  123 tok/s  workers 2  queue 3+2  ETA 0m10s\n');
    expect(lineOf({ ...step, rollout: { ...rollout, staleness: 1 } })).toContain('queue 3+2  stale 1  ETA');
  });
});
