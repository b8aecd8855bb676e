/**
 * Real faults on real `rlvr` processes, on the tiny model of tiny-run.ts (cpu backend): `rlvr train`
 * SIGKILLed while it writes and prunes checkpoints (checkpoint.keep 1), a checkpoint refused by a
 * full tmpfs under checkpoint.onError stop, and `rlvr pretrain` stopped by SIGINT. Every bound is a
 * count of steps or a file-system state polled for, never a time.
 */
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../src/config/index.js';
import { listCheckpoints } from '../src/checkpoint/index.js';
import { runTraining } from '../src/loop/run-training.js';
import { mountTmpfs } from '../src/testing/tmpfs.js';
import { spawnRlvr as rlvr, signalWhen } from './rlvr-process.js';
import { metricsOf, timeless, tinyRun, trainingTinyConfig } from './tiny-run.js';

let run: ReturnType<typeof tinyRun>;
beforeAll(() => {
  run = tinyRun();
});
afterAll(() => run.cleanup());

/** A config where every step trains, `extra` on top. */
const trainingConfig = (extra: Parameters<typeof trainingTinyConfig>[1] = {}): TrainConfig => trainingTinyConfig(run.modelDir, extra);

/** Entries of a run's checkpoints/ directory, hidden ones included ([] before it exists). */
function checkpointEntries(runDir: string): string[] {
  try {
    return readdirSync(join(runDir, 'checkpoints')).sort();
  } catch {
    return [];
  }
}

/** Total bytes of the files directly inside `dir`. */
function directoryBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

describe('rlvr train SIGKILLed while it writes and prunes checkpoints (checkpoint.keep 1)', () => {
  it('after each kill the newest complete checkpoint is resumed, the next write clears the leftovers, and the metrics equal an uninterrupted run', async () => {
    const config = trainingConfig({ maxSteps: 8, checkpoint: { interval: 1, keep: 1 } });
    const straight = join(run.root, 'kill-straight');
    await runTraining({ config, runDir: straight });

    const runDir = join(run.root, 'kill');
    const configFile = join(run.root, 'kill.json');
    writeFileSync(configFile, JSON.stringify(config));
    const stepOf = (entry: string): number => Number(/^step-(\d+)$/.exec(entry)?.[1] ?? -1);
    const newestStep = (): number => Math.max(0, ...checkpointEntries(runDir).map(stepOf));
    // Three kill points, each a state of checkpoints/ polled for: just after a rename to step-N (the
    // prune of the one before is then under way), a temporary copy being written, and a pruned copy
    // renamed aside (or, where that window is missed, two checkpoints after the start).
    const mine = (prefix: string, pid: number): boolean => checkpointEntries(runDir).some((e) => e.startsWith(prefix) && e.includes(`-${pid}-`));
    const killPoints: ((start: number, pid: number) => boolean)[] = [
      () => newestStep() >= 2,
      (start, pid) => mine(`.tmp-step-${start + 2}-`, pid) || newestStep() >= start + 3,
      (start, pid) => mine('.pruned-step-', pid) || newestStep() >= start + 2,
    ];
    const killedPids: number[] = [];
    let start = 0;
    for (const [i, killPoint] of killPoints.entries()) {
      const train = rlvr(i === 0 ? ['train', '--config', configFile, '--out', runDir] : ['train', '--resume', runDir]);
      const startAt = start;
      await signalWhen(train, 'SIGKILL', () => killPoint(startAt, train.child.pid!));
      expect((await train.exited).signal).toBe('SIGKILL');
      if (i > 0) expect(train.stderr()).toContain(`resuming from ${join(runDir, 'checkpoints', `step-${start}`)} (step ${start})`);
      const entries = checkpointEntries(runDir);
      // Nothing but checkpoints and hidden leftovers; none left by an earlier killed writer, whose
      // leftovers this run's first checkpoint removed.
      expect(entries.filter((e) => !/^(step-\d+|\.tmp-step-\d+-\d+-[0-9a-f]+(-old)?|\.pruned-step-\d+-\d+-[0-9a-f]+)$/.test(e))).toEqual([]);
      for (const pid of killedPids) expect(entries.filter((e) => e.includes(`-${pid}-`))).toEqual([]);
      killedPids.push(train.child.pid!);
      const complete = listCheckpoints(runDir);
      expect(complete.length).toBeGreaterThanOrEqual(1);
      start = complete.at(-1)!.step;
      expect(start).toBeLessThan(8);
    }

    const finish = rlvr(['train', '--resume', runDir]);
    expect((await finish.exited).code).toBe(0);
    expect(finish.stderr()).toContain(`resuming from ${join(runDir, 'checkpoints', `step-${start}`)} (step ${start})`);
    expect(checkpointEntries(runDir)).toEqual(['step-8']);
    expect(metricsOf(runDir).map(timeless)).toEqual(metricsOf(straight).map(timeless));
  }, 300_000);
});

describe('checkpoint.onError stop on a full file system', () => {
  it('a checkpoint that does not fit stops rlvr train with exit 4, naming the path; --resume after freeing space continues from the previous one', async () => {
    const config = trainingConfig({ maxSteps: 3, checkpoint: { interval: 1, onError: 'stop' } });
    const straight = join(run.root, 'full-straight');
    await runTraining({ config, runDir: straight });
    const bytes = directoryBytes(join(straight, 'checkpoints', 'step-1'));

    const mount = join(run.root, 'full-stop');
    // Room for one checkpoint (its files plus the 256 KiB metadata margin of the free-space check)
    // and 128 KiB more, not for two; the filler stands for the space the user frees afterwards.
    const filler = 1024 * 1024;
    const fs = mountTmpfs(mount, `${Math.ceil((bytes + 384 * 1024 + filler) / 1024)}k`);
    if (!fs) return;
    try {
      writeFileSync(join(mount, 'filler'), Buffer.alloc(filler));
      const runDir = join(mount, 'run');
      const configFile = join(run.root, 'full-stop.json');
      writeFileSync(configFile, JSON.stringify(config));
      const train = rlvr(['train', '--config', configFile, '--out', runDir]);
      expect((await train.exited).code).toBe(4);
      const step1 = join(runDir, 'checkpoints', 'step-1');
      expect(train.stderr()).toContain(`cannot write ${join(runDir, 'checkpoints')}: no space left on the device (ENOSPC); `);
      expect(train.stderr()).toContain(
        `the checkpoint of step 2 was not written (the earlier checkpoints are untouched); the run stopped after step 2; the last checkpoint is ${step1} (step 1); continue with: rlvr train --resume ${runDir}`,
      );
      expect(checkpointEntries(runDir)).toEqual(['step-1']);

      rmSync(join(mount, 'filler'));
      const resumed = rlvr(['train', '--resume', runDir]);
      expect([(await resumed.exited).code, resumed.stderr()]).toEqual([0, expect.stringContaining(`resuming from ${step1} (step 1)`)]);
      expect(checkpointEntries(runDir)).toEqual(['step-1', 'step-2', 'step-3']);
      expect(metricsOf(runDir).map(timeless)).toEqual(metricsOf(straight).map(timeless));
    } finally {
      fs.unmount();
    }
  }, 180_000);
});

describe('rlvr pretrain stopped on the command line', () => {
  it('SIGINT: exit 130, the model so far written, its PROVENANCE.md saying where it stopped', async () => {
    const out = join(run.root, 'pretrain-sigint');
    const pretrain = rlvr(['pretrain', '--task', 'countdown', '--steps', '2000', '--batch', '4', '--backend', 'cpu', '--out', out]);
    // Step 1's loss line is printed once it is done: the signal then lands in a later step.
    await signalWhen(pretrain, 'SIGINT', () => pretrain.stdout().includes('step 1/2000:') || pretrain.stderr().includes('step 1/2000:'));
    expect((await pretrain.exited).code).toBe(130);
    const stopped = /stopped by SIGINT after step (\d+) of 2000; /.exec(pretrain.stderr());
    expect(stopped).not.toBeNull();
    const step = Number(stopped![1]);
    expect(step).toBeGreaterThanOrEqual(1);
    expect(step).toBeLessThan(2000);
    expect(pretrain.stderr()).toContain(
      `stopped by SIGINT after step ${step} of 2000; the model so far is in ${out} (its PROVENANCE.md says where it stopped); pretraining cannot be continued: run the same command again for the full model`,
    );
    expect(readdirSync(out).sort()).toEqual(['PROVENANCE.md', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(readFileSync(join(out, 'PROVENANCE.md'), 'utf8')).toContain(`Stopped by SIGINT after step ${step} of 2000: these are the weights at that step`);
  }, 120_000);
});
