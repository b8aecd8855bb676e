import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom, readSafetensorsSync } from '@rlvr/core';
import { Sampler, loadModelDir } from '@rlvr/sampler';
import { countdown, evaluateCountdownExpression, parseCountdownExpression } from '@rlvr/verifiers';
import { TARGET_MARK, countdownCompletion, countdownPretrainExamples, randomDerivation } from './countdown-corpus.js';
import { pretrainCountdown } from './pretrain.js';
import { derivedSolution } from './sft.js';


describe('countdown pretraining corpus', () => {
  it('random derivations write correct integer steps and candidates; the answer uses every number once and has its candidate\'s value', () => {
    const random = new SeededRandom(3);
    const checkStep = (step: string) => {
      const [, a, op, b, c] = /^(-?\d+) ([-+*/]) (-?\d+) = (-?\d+)$/.exec(step)!;
      const [x, y] = [Number(a), Number(b)];
      expect({ '+': x + y, '-': x - y, '*': x * y, '/': x / y }[op!]).toBe(Number(c));
    };
    for (let t = 0; t < 200; t++) {
      const nums = Array.from({ length: 2 + (t % 4) }, (_, i) => 1 + ((t * 7 + i * 13) % 97));
      const d = randomDerivation(nums, random)!;
      expect(d.steps).toHaveLength(nums.length - 2);
      d.steps.forEach(checkStep);
      d.candidates.forEach((c) => checkStep(c.step));
      expect(new Set(d.candidates.map((c) => c.step)).size).toBe(d.candidates.length);
      expect(d.candidates.length).toBeGreaterThanOrEqual(3); // +, − and × always exist (− once when equal)
      const answer = d.candidates[d.chosen]!;
      expect((answer.expression.match(/\d+/g) ?? []).map(Number).sort((a, b) => a - b)).toEqual([...nums].sort((a, b) => a - b));
      // The verifier's own exact evaluator agrees with the candidate's value.
      const parsed = parseCountdownExpression(answer.expression);
      if (!parsed.ok) throw new Error(`not parsed: ${answer.expression}`);
      const value = evaluateCountdownExpression(parsed.expression)!;
      expect(Number(value.n) / Number(value.d)).toBe(answer.value);
      const text = countdownCompletion(d, answer.value);
      expect(countdown().verify(text, { target: answer.value, nums }).correct).toBe(true);
      // The candidates with the target's value, and only they, are marked.
      expect(text.split('. ').filter((part) => part.endsWith(TARGET_MARK)).length).toBe(d.candidates.filter((c) => c.value === answer.value).length);
    }
    expect(randomDerivation([4, 2], random, () => null)).toBeNull();
    expect(() => randomDerivation([1], random)).toThrow(/at least two numbers/);
  });

  it('the SFT solutions reach the target', () => {
    const random = new SeededRandom(5);
    const problem = { target: 16, nums: [3, 5, 8] }; // (5 - 3) * 8
    const completion = derivedSolution(problem, random)!;
    expect(countdown().verify(completion, problem).correct).toBe(true);
    expect(derivedSolution({ target: 1000, nums: [1, 1, 1] }, random)).toBeNull();
  });

  it('examples pair the compact prompt with steps and a tagged answer; the same seed gives the same text', () => {
    const problems = [{ target: 24, nums: [3, 5, 7] }, { target: 10, nums: [1, 2, 3, 4] }];
    const a = countdownPretrainExamples(problems, 4, 9);
    expect(a).toEqual(countdownPretrainExamples(problems, 4, 9));
    expect(a[0]!.prompt).toBe('Numbers: [3, 5, 7]. Target: 24.\n<think>');
    expect(a[0]!.completion).toMatch(/^( -?\d+ [-+*/] -?\d+ = -?\d+( \(target\))?\.){4,7} <\/think> <answer> .+ <\/answer>$/);
    expect(countdownPretrainExamples(problems, 1, 9, 'r1-zero')[0]!.prompt).toContain('[3, 5, 7]');
  });
});

describe('pretrainCountdown', () => {
  it('lowers the completion cross-entropy and writes a model directory the sampler loads', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rlvr-pretrain-')), 'base');
    try {
      const r = await pretrainCountdown({ outDir: dir, steps: 25, batch: 8, lr: 3e-3, seed: 1, backend: 'cpu' });
      expect(r.losses).toHaveLength(25);
      const late = r.losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
      // Measured: ≈ 6 nats/token at step 1 (≈ log of the vocabulary), well under 60 % of it by step 25.
      expect(r.losses[0]!).toBeGreaterThan(5);
      expect(late).toBeLessThan(0.6 * r.losses[0]!);
      expect(readSafetensorsSync(join(dir, 'model.safetensors')).metadata.command).toMatch(/^rlvr pretrain --task countdown .*--seed 1$/);
      expect(readFileSync(join(dir, 'PROVENANCE.md'), 'utf8')).toContain('rlvr pretrain --task countdown');
      const loaded = await loadModelDir(dir);
      try {
        const [rollout] = await new Sampler(loaded.model, loaded.tokenizer).generate(['Numbers: [3, 5, 7]. Target: 24.\n<think>'], { maxNewTokens: 8, seed: 1 });
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
