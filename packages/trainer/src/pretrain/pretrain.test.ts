import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom, readSafetensorsSync } from '@rlvr/core';
import { Sampler, SamplerTokenizer, loadModelDir, type TokenizerFiles } from '@rlvr/sampler';
import { countdown, evaluateCountdownExpression, generateCountdownProblems, parseCountdownExpression } from '@rlvr/verifiers';
import { BASE_TASK_DIFFICULTY } from '../demo/countdown-preset.js';
import { InterruptedError, TrainerError } from '../errors.js';
import { embeddedModelDir } from '../models/embedded.js';
import { TARGET_MARK, countdownCompletion, countdownPretrainExamples, randomDerivation } from './countdown-corpus.js';
import { countdownTokenizer, pretrainCountdown } from './pretrain.js';
import { derivedSolution, finetuneCountdown, searchSolution } from './sft.js';

describe('countdown pretraining corpus', () => {
  it("random derivations write correct integer steps and candidates; the answer uses every number once and has its candidate's value", () => {
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

  it('the search-format SFT solution is the full search answered with the expression it found, and reaches the target', () => {
    const problem = { target: 16, nums: [3, 5, 8] };
    const completion = searchSolution(problem)!;
    expect(countdown().verify(completion, problem).correct).toBe(true);
    const found = /Found: (.+)\. <\/think>/.exec(completion)![1]!;
    expect(/<answer> (.+) <\/answer>/.exec(completion)![1]).toBe(found);
    const parsed = parseCountdownExpression(found);
    if (!parsed.ok) throw new Error(`unparsable: ${found}`);
    const value = evaluateCountdownExpression(parsed.expression)!;
    expect(Number(value.n) / Number(value.d)).toBe(16);
    expect(searchSolution({ target: 1000, nums: [1, 1, 1] })).toBeNull();
  });

  it("drawing a problem's SFT solution again gives each of its solving first steps, all correct", () => {
    const random = new SeededRandom(6);
    // 24 from [2, 3, 4]: 2 * 3 = 6 then 6 * 4, 3 * 4 = 12 then 12 * 2, 2 * 4 = 8 then 8 * 3, 4 - 2 = 2 ... and more.
    const problem = { target: 24, nums: [2, 3, 4] };
    const firstSteps = new Set<string>();
    for (let draw = 0; draw < 60; draw++) {
      const completion = derivedSolution(problem, random)!;
      expect(countdown().verify(completion, problem).correct).toBe(true);
      firstSteps.add(/^ ([^.]+)\./.exec(completion)![1]!);
    }
    expect([...firstSteps].sort()).toEqual(expect.arrayContaining(['2 * 3 = 6', '2 * 4 = 8', '3 * 4 = 12']));
  });

  it('examples pair the compact prompt with steps and a tagged answer; the same seed gives the same text', () => {
    const problems = [
      { target: 24, nums: [3, 5, 7] },
      { target: 10, nums: [1, 2, 3, 4] },
    ];
    const a = countdownPretrainExamples(problems, 4, 9);
    expect(a).toEqual(countdownPretrainExamples(problems, 4, 9));
    expect(a[0]!.prompt).toBe('Numbers: [3, 5, 7]. Target: 24.\n<think>');
    expect(a[0]!.completion).toMatch(/^( -?\d+ [-+*/] -?\d+ = -?\d+( \(target\))?\.){4,7} <\/think> <answer> .+ <\/answer>$/);
    expect(countdownPretrainExamples(problems, 1, 9, { template: 'r1-zero' })[0]!.prompt).toContain('[3, 5, 7]');
  });

  it('reachedShare moves targets onto a candidate (marked in the thought), leaves share 0 as it was and refuses a share outside [0, 1]', () => {
    const problems = [
      { target: 97, nums: [3, 5, 7] },
      { target: 99, nums: [2, 4, 9] },
    ];
    expect(countdownPretrainExamples(problems, 6, 4, { reachedShare: 0 })).toEqual(countdownPretrainExamples(problems, 6, 4));
    const reached = countdownPretrainExamples(problems, 40, 4, { reachedShare: 1, maxTarget: 100 });
    for (const e of reached) {
      const target = Number(/Target: (\d+)\./.exec(e.prompt)![1]);
      expect(target).toBeGreaterThanOrEqual(1);
      expect(target).toBeLessThanOrEqual(100);
      expect(e.completion).toContain(`= ${target}${TARGET_MARK}.`);
    }
    // Neither original target (97, 99) is reachable in one of these derivations' last steps with +, −, ×, ÷ often; most must have moved.
    expect(reached.filter((e) => !/Target: 9[79]\./.test(e.prompt)).length).toBeGreaterThan(30);
    expect(() => countdownPretrainExamples(problems, 1, 4, { reachedShare: 1.5 })).toThrow('reachedShare must be in [0, 1], got 1.5');
    expect(() => countdownPretrainExamples(problems, 1, 4, { reachedShare: 1.5 })).toThrow(TrainerError);
  });
});

describe('countdownTokenizer', () => {
  const problems = generateCountdownProblems({ count: 2000, seed: 3, ...BASE_TASK_DIFFICULTY });
  const examples = countdownPretrainExamples(problems, 2000, 4);
  const load = (files: TokenizerFiles) => SamplerTokenizer.fromObjects(files.tokenizerJson, files.tokenizerConfig);

  it('whole: a target and a step value equal to it are one and the same token (so the target check is a token match)', () => {
    const tokenizer = load(countdownTokenizer(examples, 'whole'));
    for (const { target } of problems.slice(0, 100)) {
      const ids = tokenizer.encode(` 5 + 5 = ${target}`);
      expect(tokenizer.encode(` ${target}`)).toEqual([ids.at(-1)]);
      expect(tokenizer.encode(`Target: ${target}.`)).toContain(ids.at(-1));
    }
  });

  it('digits: every digit is a token of its own', () => {
    const tokenizer = load(countdownTokenizer(examples, 'digits'));
    expect(
      tokenizer
        .encode(' 5 + 5 = 12')
        .map((id) => tokenizer.decode([id]).trim())
        .slice(-2),
    ).toEqual(['1', '2']);
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

  it('a stop request finishes the step, writes the model so far with a PROVENANCE.md that says where it stopped, and says so', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rlvr-pretrain-')), 'base');
    try {
      const controller = new AbortController();
      const run = pretrainCountdown({
        outDir: dir,
        steps: 10,
        batch: 4,
        lr: 3e-3,
        seed: 1,
        backend: 'cpu',
        stop: controller.signal,
        onStep: (step) => (step === 3 ? controller.abort('SIGINT') : undefined),
      });
      const error = await run.then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(InterruptedError.isInstance(error)).toBe(true);
      expect(error!.message).toBe(
        `stopped by SIGINT after step 3 of 10; the model so far is in ${dir} (its PROVENANCE.md says where it stopped); pretraining cannot be continued: run the same command again for the full model`,
      );
      expect(readFileSync(join(dir, 'PROVENANCE.md'), 'utf8')).toContain('Stopped by SIGINT after step 3 of 10: these are the weights at that step, not the');
      expect(existsSync(join(dir, 'tokenizer.json'))).toBe(true);
      const loaded = await loadModelDir(dir);
      await loaded.model.release();
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  }, 120_000);

  it('reads its problems from a frozen set with `problems`, and records the option in the command', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rlvr-pretrain-')), 'base');
    try {
      await pretrainCountdown({ outDir: dir, steps: 2, batch: 4, lr: 3e-3, seed: 1, backend: 'cpu', problems: 'embedded:countdown-pretraining' });
      expect(readSafetensorsSync(join(dir, 'model.safetensors')).metadata.command).toBe(
        'rlvr pretrain --task countdown --steps 2 --batch 4 --lr 0.003 --seed 1 --problems embedded:countdown-pretraining',
      );
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
    // Another seed's generator call is not the one the set froze: refused before any work.
    await expect(pretrainCountdown({ outDir: '/nonexistent', steps: 2, batch: 4, lr: 3e-3, seed: 2, backend: 'cpu', problems: 'embedded:countdown-pretraining' })).rejects.toThrow(
      /^problems: embedded:countdown-pretraining holds the problems of seed \d+, but this run's generator has seed \d+/,
    );
  }, 120_000);

  it('rejects bad options by name', async () => {
    await expect(pretrainCountdown({ outDir: '/nonexistent', steps: 0, batch: 8, lr: 1e-3, seed: 1, backend: 'cpu' })).rejects.toThrow('steps must be an integer ≥ 1, got 0');
    await expect(pretrainCountdown({ outDir: '/nonexistent', steps: 1, batch: 8, lr: -1, seed: 1, backend: 'cpu' })).rejects.toThrow('lr must be finite and > 0, got -1');
    await expect(pretrainCountdown({ outDir: '/nonexistent', steps: 1, batch: 0, lr: 1e-3, seed: 1, backend: 'cpu' })).rejects.toBeInstanceOf(TrainerError);
  });
});

describe('finetuneCountdown', () => {
  it("fine-tunes the embedded base on the training problems' solutions and writes a model directory with its tokenizer", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rlvr-sft-')), 'sft');
    try {
      const command = 'rlvr pretrain --task countdown --sft base --out sft --steps 4 --batch 4 --lr 0.001 --seed 1';
      const r = await finetuneCountdown({ fromDir: embeddedModelDir('countdown-base'), outDir: dir, steps: 4, batch: 4, lr: 1e-3, seed: 1, backend: 'cpu', command });
      expect(r.losses).toHaveLength(4);
      r.losses.forEach((loss) => expect(loss).toBeGreaterThan(0));
      // Every preset training problem has an integer derivation (measured: 1595 of 1595).
      expect(r.problems).toBe(1595);
      expect(readSafetensorsSync(join(dir, 'model.safetensors')).metadata.command).toBe(command);
      for (const file of ['tokenizer.json', 'tokenizer_config.json', 'config.json']) expect(existsSync(join(dir, file))).toBe(true);
      expect(readFileSync(join(dir, 'PROVENANCE.md'), 'utf8')).toContain('1595');
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  }, 120_000);
});
