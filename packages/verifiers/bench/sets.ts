/**
 * The benchmarks' completion sets, generated with a seeded RNG so that a run of a benchmark sees the
 * same sets every time: for each task a realistic mix of right, wrong, malformed and missing answers
 * after 200–600 characters of reasoning.
 */
import { SeededRandom } from '@rlvr/core';
import { generateCountdownProblems } from '../src/countdown/index.js';

// Seeded, so that the sets are the same in every run.
const generator = new SeededRandom(20260126);
const random = (): number => generator.next();
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;

const FILLER = [
  'Let me think about this step by step.',
  'First, I will look at the numbers we are given.',
  'Hmm, that does not seem right, let me try again.',
  'We can combine the two largest values first.',
  'Wait, I should double-check that computation.',
  'This gets us closer to what we need.',
  'Maybe a different order of operations works better.',
  'So the remaining part must account for the difference.',
];

/** 200–600 characters of reasoning sprinkled with small computations, like a model's scratch work. */
function reasoning(latex = false): string {
  const target = int(200, 600);
  let text = '';
  while (text.length < target) {
    const a = int(2, 99);
    const b = int(2, 99);
    text +=
      random() < 0.5
        ? `${pick(FILLER)} `
        : latex
          ? `We get $${a} \\cdot ${b} = ${a * b}$, so $\\frac{${a}}{${b}}$ remains. `
          : `${a} * ${b} = ${a * b}, and ${a} + ${b} = ${a + b}. `;
  }
  return text;
}

/** One completion with its raw reference. */
export interface Sample {
  completion: string;
  reference: unknown;
}

/** Countdown: 35% right, 30% wrong but well-formed, 15% malformed expressions, 20% no answer. */
export function countdownSet(count: number): Sample[] {
  const problems = generateCountdownProblems({ count, seed: 7 });
  return problems.map(({ target, nums, solution }) => {
    const reference = { target, nums };
    const roll = random();
    let answer: string | null;
    if (roll < 0.35) answer = random() < 0.5 ? solution : solution.replace(/\*/g, '×').replace(/ /g, '');
    else if (roll < 0.65) answer = random() < 0.5 ? nums.join(' + ') : solution.replace(/[+]/, '-').replace(/[*]/, '+');
    else if (roll < 0.8) {
      answer = pick([
        `${nums[0]} ** 2`,
        `${nums[0]}${nums[1]} - ${nums[2]}`,
        `(${nums.join(' + ')}`,
        `${nums[0]} + ${nums[0]}`,
        `${target}`,
        `${nums[0]} / 1.5`,
      ]);
    } else answer = null;
    const think = `<think>${reasoning()}</think>`;
    const completion =
      answer === null
        ? `${think} ${random() < 0.5 ? `I believe the answer is ${target}.` : '<answer>'}`
        : `${think} <answer>${answer}</answer>`;
    return { completion, reference };
  });
}

/** GSM8K: about half right; `#### N`, "The answer is N", `\boxed{N}`, a bare last number, formatted numbers. */
export function gsm8kSet(count: number): Sample[] {
  return Array.from({ length: count }, () => {
    const gold = random() < 0.2 ? int(1000, 250_000) : int(0, 999);
    const right = random() < 0.5;
    const value = right ? gold : gold + pick([-10, -1, 1, 2, 7, 100]);
    const shown =
      value >= 1000 && random() < 0.5 ? value.toLocaleString('en-US') : random() < 0.1 ? `${value}.00` : String(value);
    const ending = pick([
      `#### ${shown}`,
      `#### ${shown}`,
      `The answer is ${shown}.`,
      `The answer is $${shown}.`,
      `\\boxed{${shown}}`,
      `So she has ${shown} apples left.`,
    ]);
    const reference = random() < 0.5 ? String(gold) : `${reasoning()}\n#### ${gold}`;
    return { completion: `${reasoning()}\n${ending}`, reference };
  });
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** One MATH answer of a random type: [gold, an equivalent spelling, a wrong answer]. */
function mathAnswer(): [string, string, string] {
  switch (int(0, 9)) {
    case 0: {
      const n = int(-500, 5000);
      return [String(n), random() < 0.5 ? `${n}.0` : `${n}`, String(n + int(1, 9))];
    }
    case 1: {
      let p = int(1, 40);
      let q = int(2, 41);
      const g = gcd(p, q);
      p /= g;
      q /= g;
      if (q === 1) q = 7;
      return [
        `\\frac{${p}}{${q}}`,
        pick([`\\dfrac{${p}}{${q}}`, `${p}/${q}`, `\\frac{${2 * p}}{${2 * q}}`]),
        `\\frac{${q}}{${p + q}}`,
      ];
    }
    case 2: {
      const k = int(2, 9);
      const m = pick([2, 3, 5, 6, 7]);
      return [`${k}\\sqrt{${m}}`, `\\sqrt{${k * k * m}}`, `${k + 1}\\sqrt{${m}}`];
    }
    case 3: {
      const a = int(-9, 9);
      const b = int(-9, 9) || 1;
      return [`(${a}, ${b})`, `(${a},${b})`, `(${b}, ${a === b ? a + 1 : a})`];
    }
    case 4: {
      const a = int(-9, 0);
      const b = int(1, 9);
      return [`[${a}, ${b})`, `[${a},${b})`, `(${a}, ${b})`];
    }
    case 5: {
      const xs = [int(-9, -1), int(0, 4), int(5, 9)];
      return [`\\{${xs.join(', ')}\\}`, `\\{${[...xs].reverse().join(',')}\\}`, `\\{${xs.slice(0, 2).join(', ')}\\}`];
    }
    case 6: {
      const m = int(1, 9);
      const c = int(1, 9);
      return [`y = ${m}x + ${c}`, `${m}x - y + ${c} = 0`, `y = ${m}x - ${c}`];
    }
    case 7: {
      const q = pick([2, 3, 4, 6]);
      return [`\\frac{\\pi}{${q}}`, `\\frac{1}{${q}}\\pi`, `\\frac{\\pi}{${q + 1}}`];
    }
    case 8: {
      const a = int(1, 9);
      return [`x^2 + ${2 * a}x + ${a * a}`, `(x+${a})^2`, `(x-${a})^2`];
    }
    default: {
      const p = int(2, 60);
      return [`${p}\\%`, `${p}\\%`, `${p + 5}\\%`];
    }
  }
}

/** MATH: reasoning then a boxed answer of mixed type (≈ half right); some use a "final answer is" fallback. */
export function mathSet(count: number): Sample[] {
  return Array.from({ length: count }, () => {
    const [gold, same, wrong] = mathAnswer();
    const answer = random() < 0.5 ? same : wrong;
    const ending =
      random() < 0.9 ? `Therefore the answer is $\\boxed{${answer}}$.` : `The final answer is $${answer}$.`;
    const reference = random() < 0.7 ? gold : `${reasoning(true)} Hence $\\boxed{${gold}}$.`;
    return { completion: `${reasoning(true)}\n${ending}`, reference };
  });
}
