import { deriveSeed } from '../tasks/index.js';
import { parseTrainConfig } from '../config/index.js';
import { ConfigError } from '../config/config-error.js';
import { thrownBy } from '../testing/thrown.js';
import { joinJobs, splitDraw, type JobRollout } from './jobs.js';
import { rolloutJobId } from './protocol.js';

const OPTIONS = { groupSize: 2, maxNewTokens: 4, temperature: 1, topP: 1, topK: 0, stop: [], seed: 1234 };
const PROMPTS = [[1, 2], [3], [4, 5, 6], [7], [8]];
const REFS = ['a', 'b', 'c', 'd', 'e'];

describe('splitDraw', () => {
  it('keeps one job of the whole draw on the draw’s own seed (a run without promptsPerJob samples as before)', () => {
    const jobs = splitDraw(PROMPTS, REFS, OPTIONS, null);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.options.seed).toBe(1234);
    expect(jobs[0]!.prompts).toEqual(PROMPTS);
    expect(splitDraw(PROMPTS, REFS, OPTIONS, 5)[0]!.options.seed).toBe(1234);
  });

  it('splits into consecutive jobs, job j seeded deriveSeed(seed, j), references alongside', () => {
    const jobs = splitDraw(PROMPTS, REFS, OPTIONS, 2);
    expect(jobs.map((j) => j.prompts)).toEqual([[[1, 2], [3]], [[4, 5, 6], [7]], [[8]]]);
    expect(jobs.map((j) => j.references)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(jobs.map((j) => j.firstPrompt)).toEqual([0, 2, 4]);
    expect(jobs.map((j) => j.options.seed)).toEqual([0, 1, 2].map((j) => deriveSeed(1234, j)));
    expect(new Set(jobs.map((j) => j.options.seed)).size).toBe(3);
  });

  it('refuses a job size that is not a positive integer', () => {
    expect(() => splitDraw(PROMPTS, REFS, OPTIONS, 0)).toThrow(/promptsPerJob must be an integer ≥ 1, got 0/);
  });
});

describe('joinJobs', () => {
  const rollout = (promptIndex: number, sampleIndex: number, tag: number): JobRollout => ({
    promptIndex,
    sampleIndex,
    completionIds: [tag],
    logprobs: [-tag],
    text: String(tag),
    finishReason: 'eos',
    score: { reward: tag, correct: false },
  });

  it('places each job’s rollouts at their prompt’s index in the draw, with its prompt ids and score', () => {
    const jobs = splitDraw(PROMPTS.slice(0, 3), REFS.slice(0, 3), OPTIONS, 2);
    const joined = joinJobs(jobs, [
      [rollout(0, 0, 1), rollout(0, 1, 2), rollout(1, 0, 3), rollout(1, 1, 4)],
      [rollout(0, 0, 5), rollout(0, 1, 6)],
    ]);
    expect(joined.map((r) => [r.promptIndex, r.sampleIndex, r.completionIds[0]])).toEqual([
      [0, 0, 1],
      [0, 1, 2],
      [1, 0, 3],
      [1, 1, 4],
      [2, 0, 5],
      [2, 1, 6],
    ]);
    expect(joined[4]!.promptIds).toEqual([4, 5, 6]);
    expect(joined[5]!.score).toEqual({ reward: 6, correct: false });
  });

  it('refuses a result with the wrong number of rollouts, naming the job', () => {
    const jobs = splitDraw(PROMPTS.slice(0, 2), REFS.slice(0, 2), OPTIONS, 1);
    expect(() => joinJobs(jobs, [[rollout(0, 0, 1), rollout(0, 1, 2)], [rollout(0, 0, 3)]])).toThrow('rollout job 1 returned 1 rollouts, expected 2');
  });
});

describe('rolloutJobId', () => {
  it('is a function of the session and the job’s content, without ":"', () => {
    const [a, b] = splitDraw(PROMPTS.slice(0, 2), REFS.slice(0, 2), OPTIONS, 1);
    const id = rolloutJobId('s1', a!);
    expect(id).toBe(rolloutJobId('s1', splitDraw(PROMPTS.slice(0, 2), REFS.slice(0, 2), OPTIONS, 1)[0]!));
    expect(id).not.toContain(':');
    expect(new Set([id, rolloutJobId('s2', a!), rolloutJobId('s1', b!)]).size).toBe(3);
    const otherPrompt = splitDraw([[9, 9], [3]], REFS.slice(0, 2), OPTIONS, 1)[0]!;
    expect(rolloutJobId('s1', otherPrompt)).not.toBe(id);
  });
});

describe('rollout config rules', () => {
  const base = { task: { name: 'countdown' }, rollout: { workers: 'redis://127.0.0.1:6379' } } as const;
  const refusal = (input: object) => thrownBy(() => parseTrainConfig(input), ConfigError);

  it('takes workers with defaults: one job per draw, synchronous, queue rlvr', () => {
    const c = parseTrainConfig(base);
    expect(c.rollout).toMatchObject({ workers: 'redis://127.0.0.1:6379', queue: 'rlvr', promptsPerJob: null, maxStaleness: 0 });
  });

  it('refuses a URL that is not redis:// or rediss://', () => {
    expect(refusal({ rollout: { workers: 'http://x:6379' } }).message).toMatch(/rollout\.workers.*expected a Redis URL/);
  });

  it('refuses maxStaleness without workers, without tisCap, or with draws that depend on scores', () => {
    expect(refusal({ rollout: { maxStaleness: 1 }, loss: { tisCap: 2 } }).message).toMatch(/rollout\.maxStaleness.*samples ahead on rollout workers only/);
    expect(refusal({ ...base, rollout: { ...base.rollout, maxStaleness: 1 } }).message).toMatch(/loss\.tisCap.*must be set with rollout\.maxStaleness 1/);
    expect(refusal({ ...base, rollout: { ...base.rollout, maxStaleness: 2 }, loss: { tisCap: 2 }, sampling: { maxGroups: 2 } }).message).toMatch(/sampling\.maxGroups.*queued ahead/);
    expect(
      refusal({
        ...base,
        rollout: { ...base.rollout, maxStaleness: 1 },
        loss: { tisCap: 2 },
        sampling: { filterGroups: 'accuracy' },
      }).message,
    ).toMatch(/sampling\.filterGroups.*queued ahead/);
    expect(parseTrainConfig({ ...base, rollout: { ...base.rollout, maxStaleness: 1 }, loss: { tisCap: 2 } }).rollout.maxStaleness).toBe(1);
  });

  it('refuses workers for a LoRA run', () => {
    expect(refusal({ ...base, lora: { rank: 4 } }).message).toMatch(/rollout\.workers.*LoRA run/);
  });
});
