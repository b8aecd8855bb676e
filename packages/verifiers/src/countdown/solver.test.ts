import { SeededRandom } from '@rlvr/core';
import { generateCountdownProblems, solveCountdown, uniformInt } from './solver.js';
import { countdown } from './verifier.js';
import { cpuMs } from '../testing/cpu-time.js';

/** Reference brute force: every value reachable from `nums` using all of them, as exact strings "n/d". */
function bruteForceReachable(nums: number[]): Set<string> {
  type Q = [bigint, bigint];
  const norm = ([n, d]: Q): Q => {
    if (d < 0n) [n, d] = [-n, -d];
    let a = n < 0n ? -n : n;
    let b = d;
    while (b) [a, b] = [b, a % b];
    return [n / a || 0n, d / a];
  };
  const results = (values: Q[]): Q[] => {
    if (values.length === 1) return values;
    const out: Q[] = [];
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < values.length; j++) {
        if (i === j) continue;
        const [an, ad] = values[i]!;
        const [bn, bd] = values[j]!;
        const rest = values.filter((_, k) => k !== i && k !== j);
        const combos: Q[] = [
          [an * bd + bn * ad, ad * bd],
          [an * bd - bn * ad, ad * bd],
          [an * bn, ad * bd],
        ];
        if (bn !== 0n) combos.push([an * bd, ad * bn]);
        for (const c of combos) out.push(...results([...rest, norm(c)]));
      }
    }
    return out;
  };
  return new Set(results(nums.map((x) => [BigInt(x), 1n] as Q)).map(([n, d]) => `${n}/${d}`));
}

describe('solveCountdown', () => {
  const verifier = countdown();
  const check = (nums: number[], target: number, expression: string | null): void => {
    expect(expression).not.toBeNull();
    expect(verifier.verify(`<answer>${expression}</answer>`, { target, nums })).toMatchObject({ correct: true, reward: 1 });
  };

  it('solves known instances with every number exactly once', () => {
    check([3, 5, 3], 24, solveCountdown([3, 5, 3], 24));
    check([8, 3, 8, 3], 24, solveCountdown([8, 3, 8, 3], 24)); // only 8/(3-8/3)
    check([1, 5, 5, 5], 24, solveCountdown([1, 5, 5, 5], 24)); // only (5-1/5)*5
    check([7], 7, solveCountdown([7], 7));
  });

  it('returns null on unsolvable instances', () => {
    expect(solveCountdown([1, 1, 1], 100)).toBeNull();
    expect(solveCountdown([7], 8)).toBeNull();
    expect(solveCountdown([1, 1, 1, 1], 24)).toBeNull();
    expect(solveCountdown([3, 8, 5], 24)).toBeNull(); // 3*8 leaves 5 unused
  });

  it('uses a subset with allowUnusedNumbers', () => {
    const expression = solveCountdown([3, 8, 5], 24, { allowUnusedNumbers: true });
    expect(expression).not.toBeNull();
    expect(countdown({ allowUnusedNumbers: true }).verify(`<answer>${expression}</answer>`, { target: 24, nums: [3, 8, 5] }).correct).toBe(true);
    expect(solveCountdown([3, 8, 5], 5, { allowUnusedNumbers: true })).toBe('5');
  });

  it('agrees with an independent brute force on random small instances', () => {
    const random = new SeededRandom(42);
    for (let trial = 0; trial < 60; trial++) {
      const nums = Array.from({ length: uniformInt(random, 1, 3) }, () => uniformInt(random, 0, 12));
      const reachable = bruteForceReachable(nums);
      for (let target = -5; target <= 40; target++) {
        const expression = solveCountdown(nums, target);
        expect({ nums, target, solvable: expression !== null }).toEqual({ nums, target, solvable: reachable.has(`${target}/1`) });
        if (expression !== null) check(nums, target, expression);
      }
    }
  });

  it('finds solutions through values beyond 2^53', () => {
    const big = 2 ** 40;
    const expression = solveCountdown([big, big, big, 2], 2);
    check([big, big, big, 2], 2, expression);
  });

  it('rejects bad input with a VerifierError', () => {
    expect(() => solveCountdown([], 1)).toThrow(/nums/);
    expect(() => solveCountdown([1, 2, 3, 4, 5, 6, 7], 1)).toThrow(/nums/);
    expect(() => solveCountdown([1, -2], 1)).toThrow(/nums\[1\]/);
    expect(() => solveCountdown([1, 2], 1.5)).toThrow(/target/);
  });
});

describe('generateCountdownProblems', () => {
  const verifier = countdown();

  it('is deterministic in its seed and differs across seeds', () => {
    const a = generateCountdownProblems({ count: 50, seed: 123 });
    expect(generateCountdownProblems({ count: 50, seed: 123 })).toEqual(a);
    expect(generateCountdownProblems({ count: 50, seed: 124 })).not.toEqual(a);
    expect(generateCountdownProblems({ count: 0, seed: 1 })).toEqual([]);
  });

  it("draws from @rlvr/core's SeededRandom: the size, each number, then the target among the reachable ones, each uniform by rejection over 32-bit outputs", () => {
    // Independent reference: mulberry32 as published (Tommy Ettinger; core's generator, pinned in
    // core's random.test.ts), integers by rejection sampling, reachable targets by the brute force above.
    let state = 2024;
    const next = (): number => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    };
    const int = (min: number, max: number): number => {
      const range = max - min + 1;
      if (range === 1) return min;
      const limit = 2 ** 32 - (2 ** 32 % range);
      let x = next();
      while (x >= limit) x = next();
      return min + (x % range);
    };
    const expected: { target: number; nums: number[] }[] = [];
    while (expected.length < 60) {
      const size = int(1, 3);
      const nums = Array.from({ length: size }, () => int(1, 12));
      const reachable = bruteForceReachable(nums);
      const targets = Array.from({ length: 30 }, (_, i) => i + 1).filter((t) => reachable.has(`${t}/1`));
      if (targets.length > 0) expected.push({ target: targets[int(0, targets.length - 1)]!, nums });
    }
    const problems = generateCountdownProblems({ count: 60, seed: 2024, minNumbers: 1, maxNumbers: 3, maxNumber: 12, maxTarget: 30 });
    expect(problems.map(({ target, nums }) => ({ target, nums }))).toEqual(expected);
    // Sequential draws: fewer problems of the same options are the first ones.
    expect(generateCountdownProblems({ count: 25, seed: 2024, minNumbers: 1, maxNumbers: 3, maxNumber: 12, maxTarget: 30 })).toEqual(problems.slice(0, 25));
  });

  it('uniformInt: every value of a range about equally often, and ranges beyond 2^32 (two outputs) without a hang', () => {
    const random = new SeededRandom(3);
    const counts = new Array<number>(9).fill(0);
    for (let i = 0; i < 9000; i++) counts[uniformInt(random, 1, 9) - 1]! += 1;
    // 1,000 expected per value, σ ≈ 31.4: ± 130 is beyond 4σ.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(130);
    const lo = 2 ** 40;
    const hi = 2 ** 41;
    const wide = Array.from({ length: 2000 }, () => uniformInt(random, lo, hi));
    for (const x of wide) expect(Number.isSafeInteger(x) && x >= lo && x <= hi).toBe(true);
    // Both halves of the range, and low bits that vary (not a multiple of 2^32 apart): 53-bit draws.
    const upper = wide.filter((x) => x >= lo + 2 ** 39).length;
    expect(Math.abs(upper - 1000)).toBeLessThan(130);
    expect(new Set(wide.map((x) => x % 1024)).size).toBeGreaterThan(800);
    expect(uniformInt(random, 5, 5)).toBe(5);
  });

  it('generates solvable problems within the default ranges, whose solution verifies', () => {
    const problems = generateCountdownProblems({ count: 1000, seed: 7 });
    const sizes = new Set<number>();
    for (const problem of problems) {
      sizes.add(problem.nums.length);
      expect(problem.nums.length).toBeGreaterThanOrEqual(3);
      expect(problem.nums.length).toBeLessThanOrEqual(4);
      for (const x of problem.nums) expect(x >= 1 && x <= 99).toBe(true);
      expect(problem.target >= 1 && problem.target <= 100).toBe(true);
      expect(verifier.verify(`<answer>${problem.solution}</answer>`, problem)).toMatchObject({ correct: true, reward: 1 });
    }
    expect([...sizes].sort()).toEqual([3, 4]);
  });

  it('respects custom ranges and the allowUnusedNumbers option', () => {
    const problems = generateCountdownProblems({ count: 200, seed: 9, minNumbers: 2, maxNumbers: 5, minNumber: 1, maxNumber: 10, minTarget: 50, maxTarget: 60 });
    for (const problem of problems) {
      expect(problem.nums.length >= 2 && problem.nums.length <= 5).toBe(true);
      for (const x of problem.nums) expect(x >= 1 && x <= 10).toBe(true);
      expect(problem.target >= 50 && problem.target <= 60).toBe(true);
      expect(verifier.verify(`<answer>${problem.solution}</answer>`, problem).correct).toBe(true);
    }
    const lenient = countdown({ allowUnusedNumbers: true });
    for (const problem of generateCountdownProblems({ count: 100, seed: 3, allowUnusedNumbers: true })) {
      expect(lenient.verify(`<answer>${problem.solution}</answer>`, problem).correct).toBe(true);
    }
  });

  it('generates 2,000 problems in bounded CPU time', () => {
    const start = cpuMs();
    generateCountdownProblems({ count: 2000, seed: 11 });
    // CPU time, not wall-clock (a loaded machine cannot break it): ≈ 0.5 s when idle.
    expect(cpuMs() - start).toBeLessThan(5000);
  });

  it('fails loudly on impossible ranges and bad options', () => {
    expect(() => generateCountdownProblems({ count: 1, seed: 1, minNumber: 1, maxNumber: 1, minTarget: 1000, maxTarget: 2000 })).toThrow(/no solvable problem/);
    expect(() => generateCountdownProblems({ count: -1, seed: 1 })).toThrow(/options\.count/);
    expect(() => generateCountdownProblems({ count: 1, seed: Number.NaN })).toThrow(/options\.seed/);
    expect(() => generateCountdownProblems({ count: 1, seed: 1, minNumbers: 4, maxNumbers: 3 })).toThrow(/options\.maxNumbers/);
    expect(() => generateCountdownProblems({ count: 1, seed: 1, maxNumbers: 7 })).toThrow(/options\.maxNumbers/);
  });
});
