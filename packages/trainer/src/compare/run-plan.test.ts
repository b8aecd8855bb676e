import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from '../config/index.js';
import { finishedRun } from './run-plan.js';

describe('finished runs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rlvr-run-plan-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = parseTrainConfig({ maxSteps: 3, optim: { lr: 1e-3 } });
  const evalLine = (step: number) => JSON.stringify({ kind: 'eval', step, prompts: 2, samples: 1, pass1Greedy: 0, meanAccuracy: 0, passAtK: {}, rewardMean: 0, seconds: 1 });

  test('reused when its config matches, also when written before a field with a default existed', async () => {
    const old = JSON.parse(JSON.stringify(config)) as { sampling: Record<string, unknown> };
    delete old.sampling.maxGroups;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(old));
    writeFileSync(join(dir, 'metrics.jsonl'), `${evalLine(0)}\n${evalLine(3)}\n`);
    expect(await finishedRun(dir, config)).toBe(true);
  });

  test('not reused: another configuration, no final evaluation, or an unreadable config', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'metrics.jsonl'), `${evalLine(0)}\n${evalLine(3)}\n`);
    expect(await finishedRun(dir, parseTrainConfig({ maxSteps: 3, optim: { lr: 2e-3 } }))).toBe(false);
    writeFileSync(join(dir, 'metrics.jsonl'), `${evalLine(0)}\n`);
    expect(await finishedRun(dir, config)).toBe(false);
    writeFileSync(join(dir, 'metrics.jsonl'), `${evalLine(0)}\n${evalLine(3)}\n`);
    writeFileSync(join(dir, 'config.json'), '{"optim": {"lr": -1}}');
    expect(await finishedRun(dir, config)).toBe(false);
  });
});
