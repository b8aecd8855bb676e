import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom, readSafetensorsSync } from '@rlvr/core';
import { Sampler, loadModelDir } from '@rlvr/sampler';
import { countdown } from '@rlvr/verifiers';
import { countdownPretrainExamples, randomExpression } from './countdown-corpus.js';
import { pretrainCountdown } from './pretrain.js';


describe('countdown pretraining corpus', () => {
  it('random expressions use every number exactly once and are well-formed (the Countdown verifier parses them)', () => {
    const random = new SeededRandom(3);
    for (let t = 0; t < 200; t++) {
      const nums = Array.from({ length: 2 + (t % 4) }, (_, i) => 1 + ((t * 7 + i * 13) % 97));
      const e = randomExpression(nums, random);
      expect((e.match(/\d+/g) ?? []).map(Number).sort((a, b) => a - b)).toEqual([...nums].sort((a, b) => a - b));
      // Whether it hits the target does not matter here, only that the verifier accepts the format.
      const verdict = countdown().verify(`<answer> ${e} </answer>`, { target: 24, nums });
      expect(verdict.formatOk).toBe(true);
      expect(verdict.reason).toMatch(/^(correct|wrong-value: )/);
    }
    expect(() => randomExpression([], random)).toThrow(/at least one number/);
  });

  it('examples pair the R1-Zero prompt with a tagged answer; the same seed gives the same text', () => {
    const problems = [{ target: 24, nums: [3, 5, 7] }, { target: 10, nums: [1, 2, 3, 4] }];
    const a = countdownPretrainExamples(problems, 4, 9);
    expect(a).toEqual(countdownPretrainExamples(problems, 4, 9));
    expect(a[0]!.prompt).toMatch(/<think>$/);
    expect(a[0]!.completion).toMatch(/^ .*<\/think> <answer> .+ <\/answer>$/);
    expect(a[1]!.prompt).toContain('[1, 2, 3, 4]');
  });
});

describe('pretrainCountdown', () => {
  it('lowers the completion cross-entropy and writes a model directory the sampler loads', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rlvr-pretrain-')), 'base');
    try {
      const r = await pretrainCountdown({ outDir: dir, steps: 25, batch: 8, lr: 3e-3, seed: 1, backend: 'cpu' });
      expect(r.losses).toHaveLength(25);
      const late = r.losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
      // Measured: 6.2 nats/token at step 1 (≈ log of the 512-token vocabulary), ≈ 2.5 by step 25.
      expect(r.losses[0]!).toBeGreaterThan(5);
      expect(late).toBeLessThan(0.6 * r.losses[0]!);
      expect(readSafetensorsSync(join(dir, 'model.safetensors')).metadata.command).toMatch(/^rlvr pretrain --task countdown .*--seed 1$/);
      expect(readFileSync(join(dir, 'PROVENANCE.md'), 'utf8')).toContain('rlvr pretrain --task countdown');
      const loaded = await loadModelDir(dir);
      try {
        const [rollout] = await new Sampler(loaded.model, loaded.tokenizer).generate(['Use each of the numbers [3, 5, 7]'], { maxNewTokens: 8, seed: 1 });
        expect(rollout!.completionIds.length).toBeGreaterThan(0);
      } finally {
        await loaded.model.release();
      }
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  }, 120_000);

  it('rejects bad options by name', async () => {
    await expect(pretrainCountdown({ outDir: '/nonexistent', steps: 0, batch: 8, lr: 1e-3, seed: 1, backend: 'cpu' })).rejects.toThrow('steps must be an integer ≥ 1, got 0');
    await expect(pretrainCountdown({ outDir: '/nonexistent', steps: 1, batch: 8, lr: -1, seed: 1, backend: 'cpu' })).rejects.toThrow('lr must be finite and > 0, got -1');
  });
});
