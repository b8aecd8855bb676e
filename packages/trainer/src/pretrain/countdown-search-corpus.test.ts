import { SamplerTokenizer } from '@rlvr/sampler';
import { countdown, evaluateCountdownExpression, parseCountdownExpression } from '@rlvr/verifiers';
import { embeddedModelDir } from '../models/embedded.js';
import { parseTrainConfig } from '../config/index.js';
import { PRESET_TASK, SEARCH_MAX_NEW_TOKENS } from '../demo/countdown-preset.js';
import { TrainerError } from '../errors.js';
import { loadTask } from '../tasks/index.js';
import { countdownSearchExamples, fullSearch, searchCandidates, searchCompletion, searchHabit, SEARCH_FOUND, searchMark, searchThought } from './countdown-search-corpus.js';

/** The exact value of a Countdown expression, by the verifier's own parser and evaluator. */
function valueOf(expression: string): number {
  const parsed = parseCountdownExpression(expression);
  if (!parsed.ok) throw new Error(`not parsed: ${expression}`);
  const value = evaluateCountdownExpression(parsed.expression)!;
  return Number(value.n) / Number(value.d);
}

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** Every multiset of three numbers 1–9. */
const TRIPLES: number[][] = [];
for (let a = 1; a <= 9; a++) for (let b = a; b <= 9; b++) for (let c = b; c <= 9; c++) TRIPLES.push([c, a, b]);

describe('fullSearch', () => {
  it('lists correct first steps and candidates whose expressions use every number once and have their values', () => {
    for (const nums of TRIPLES) {
      const lines = fullSearch(nums);
      for (const line of lines) {
        expect(line.a).toBeGreaterThanOrEqual(line.b);
        expect(valueOf(`${line.a} ${line.op} ${line.b}`)).toBe(line.value);
        expect(sorted([line.a, line.b, line.rest])).toEqual(sorted(nums));
        expect(new Set(line.candidates.map((c) => c.op)).size).toBe(line.candidates.length);
        for (const c of line.candidates) {
          expect(c.value).toBeGreaterThanOrEqual(0);
          expect(Number.isInteger(c.value)).toBe(true);
          expect(valueOf(c.expression)).toBe(c.value);
          expect(sorted((c.expression.match(/\d+/g) ?? []).map(Number))).toEqual(sorted(nums));
        }
      }
      // +, − and × of every pair always exist; each pair appears once however often its values repeat.
      const pairs = new Set(lines.map((l) => `${l.a},${l.b},${l.rest}`)).size;
      expect(lines.filter((l) => l.op !== '/').length).toBe(3 * pairs);
      expect(pairs).toBe(new Set(nums).size === 1 ? 1 : new Set(nums).size === 2 ? 2 : 3);
    }
  });

  it('finds every value that some integer-step expression of the three numbers reaches', () => {
    // (9 * 6) - 1 = 53, (9 - 8) * 4 = 4, 9 / (6 / 2) = 3 (division of the leftover by the first step).
    expect(searchCandidates(fullSearch([9, 1, 6])).some((c) => c.expression === '(9 * 6) - 1')).toBe(true);
    expect(searchCandidates(fullSearch([8, 9, 4])).some((c) => c.expression === '(9 - 8) * 4')).toBe(true);
    expect(searchCandidates(fullSearch([9, 6, 2])).some((c) => c.expression === '9 / (6 / 2)')).toBe(true);
  });

  it('refuses anything but three numbers', () => {
    expect(() => fullSearch([1, 2])).toThrow(TrainerError);
    expect(() => fullSearch([1, 2, 3, 4])).toThrow('fullSearch: expected three numbers, got 4 (1, 2, 3, 4)');
  });

  it("holds a solution of every problem of the demo's preset (1,795: training and held-out)", async () => {
    const task = await loadTask(parseTrainConfig({ task: PRESET_TASK, seed: 1 }).task, 1);
    const problems = [...task.train, ...task.test].map((e) => e.reference as { target: number; nums: number[] });
    expect(problems).toHaveLength(1795);
    const unsolved = problems.filter((p) => !searchCandidates(fullSearch(p.nums)).some((c) => c.value === p.target));
    expect(unsolved).toEqual([]);
  });
});

describe('search text', () => {
  it('marks exactly the candidates equal to the target, each with an expression the verifier accepts', () => {
    for (const nums of TRIPLES) {
      const lines = fullSearch(nums);
      for (const target of [1, 10, 24, 53, 100]) {
        const thought = searchThought(lines, target);
        const hits = searchCandidates(lines).filter((c) => c.value === target);
        expect(thought.split(' (target = ').length - 1).toBe(hits.length);
        // The last line repeats the first marked expression.
        expect(thought.endsWith(`${SEARCH_FOUND} ${hits[0]?.expression ?? 'none'}.`)).toBe(true);
        for (const c of hits) {
          expect(thought).toContain(` ${c.op} ${c.value}${searchMark(c.expression)}`);
          expect(countdown().verify(`<answer> ${c.expression} </answer>`, { target, nums }).correct).toBe(true);
        }
      }
    }
  });

  it('writes one line per first step and answers with the chosen candidate', () => {
    const lines = fullSearch([9, 1, 6]);
    const completion = searchCompletion(lines, 53, 0);
    expect(completion.startsWith(' 9 + 1 = 10, 6: + 16 - 4 * 60. 9 - 1 = 8, 6: + 14 - 2 * 48.')).toBe(true);
    expect(completion).toContain(` 9 * 6 = 54, 1: + 55 - 53${searchMark('(9 * 6) - 1')} * 54.`);
    expect(completion.endsWith(' 6 * 1 = 6, 9: + 15 - 3 * 54. Found: (9 * 6) - 1. </think> <answer> (9 + 1) + 6 </answer>')).toBe(true);
    expect(() => searchCompletion(lines, 53, 1000)).toThrow('searchCompletion: no candidate 1000');
  });
});

describe('countdownSearchExamples', () => {
  const problems = TRIPLES.map((nums, i) => ({ nums, target: 1 + ((i * 37) % 100) }));

  it('is deterministic in its seed and answers with a candidate of the search', () => {
    const a = countdownSearchExamples(problems, 400, 9);
    expect(a).toEqual(countdownSearchExamples(problems, 400, 9));
    expect(a).not.toEqual(countdownSearchExamples(problems, 400, 10));
    a.forEach((e, i) => {
      const p = problems[i % problems.length]!;
      expect(e.prompt).toBe(`Numbers: [${p.nums.join(', ')}]. Target: ${p.target}.\n<think>`);
      const answer = /<answer> (.+) <\/answer>$/.exec(e.completion)![1]!;
      expect(searchCandidates(fullSearch(p.nums)).map((c) => c.expression)).toContain(answer);
      expect(e.completion.startsWith(searchThought(fullSearch(p.nums), p.target))).toBe(true);
    });
  });

  it('with missShare 1 never answers with a hit where a miss exists; with 0 hits about as often as a uniform pick', () => {
    const solved = (share: number) =>
      countdownSearchExamples(problems, 2000, 4, { missShare: share }).filter((e, i) => countdown().verify(e.completion, problems[i % problems.length]!).correct).length / 2000;
    expect(solved(1)).toBe(0);
    const uniform =
      problems
        .map((p) => {
          const c = searchCandidates(fullSearch(p.nums));
          return c.filter((x) => x.value === p.target).length / c.length;
        })
        .reduce((s, x) => s + x, 0) / problems.length;
    // 2,000 draws: the binomial standard error near 7 % is ≈ 0.6 %.
    expect(Math.abs(solved(0) - uniform)).toBeLessThan(0.025);
    expect(solved(0.5)).toBeLessThan(solved(0));
  });

  it('with habitShare that share of the answers is the first step alone, never right; without it the corpus is unchanged', () => {
    const examples = countdownSearchExamples(problems, 2000, 4, { habitShare: 0.3 });
    const habits = examples.filter((e, i) => e.completion.endsWith(`<answer> ${searchHabit(fullSearch(problems[i % problems.length]!.nums))} </answer>`));
    // 2,000 draws at 0.3: the binomial standard error is ≈ 1 %.
    expect(Math.abs(habits.length / 2000 - 0.3)).toBeLessThan(0.05);
    for (const e of habits) expect(countdown().verify(e.completion, problems[examples.indexOf(e) % problems.length]!).correct).toBe(false);
    expect(searchHabit(fullSearch([3, 4, 8]))).toBe('4 + 3');
    expect(countdownSearchExamples(problems, 50, 4, { habitShare: 0 })).toEqual(countdownSearchExamples(problems, 50, 4));
  });

  it("fits the preset's search completion length in the search base model's tokens, for every preset problem and answer", async () => {
    const tokenizer = SamplerTokenizer.load(embeddedModelDir('countdown-search-base'));
    const task = await loadTask(parseTrainConfig({ task: PRESET_TASK, seed: 1 }).task, 1);
    let longest = 0;
    for (const e of [...task.train, ...task.test]) {
      const p = e.reference as { target: number; nums: number[] };
      const lines = fullSearch(p.nums);
      searchCandidates(lines).forEach((_, k) => {
        longest = Math.max(longest, tokenizer.encode(searchCompletion(lines, p.target, k)).length);
      });
    }
    // Measured: 284 tokens at the longest; a preset run of the search model stops at SEARCH_MAX_NEW_TOKENS.
    expect(longest).toBeGreaterThan(200);
    expect(longest).toBeLessThanOrEqual(SEARCH_MAX_NEW_TOKENS);
  });

  it('refuses an empty problem list and a share outside [0, 1]', () => {
    expect(() => countdownSearchExamples([], 1, 1)).toThrow(TrainerError);
    expect(() => countdownSearchExamples(problems, 1, 1, { missShare: 2 })).toThrow('missShare must be in [0, 1], got 2');
    expect(() => countdownSearchExamples(problems, 1, 1, { habitShare: -0.1 })).toThrow('habitShare must be in [0, 1], got -0.1');
  });
});
