import fc from 'fast-check';
import { FarmTally, Pick } from '../testing/farming.js';
import { gsm8k, type Gsm8kMode } from './verifier.js';

/**
 * Farming fuzzer: ≥ 10,000 generated WRONG GSM8K answers that contain the gold's digits (as a
 * denominator, an exponent, a root, a scientific-notation exponent, a date, a time, an ordinal, an
 * index, a hedge, an earlier tag or the thinking, a longer decimal, a negative…) must all score 0,
 * in every mode where the form applies; and each generator's RIGHT variant (same wrapper, same
 * reasoning, the gold stated as a whole value) must score 1, so the test fails if the verifier simply
 * rejects everything.
 *
 * Honesty: every generator states what its wrong answer means (`meaning`), worked out here with
 * plain bigint arithmetic from the generator's own parameters, never by the verifier: an exact value,
 * `huge` (a value provably larger than the gold, too big to write out), `no-value` (a date, a time,
 * an ordinal, an unevaluated expression: no single number), `hedge` (several numbers) or `no-number`
 * (the gold only as an index or inside a word). A value equal to the gold fails the test as a
 * generator bug. The reasoning around answers has numbers, never the gold's value, so a fallback to
 * an earlier number cannot accidentally be right.
 */

type Q = { n: bigint; d: bigint };
type Meaning = Q | 'huge' | 'no-value' | 'hedge' | 'no-number';
type Wrapper = 'hash' | 'box' | 'tag' | 'phrase' | 'last';

interface Gold {
  /** The gold as a dataset writes it. */
  text: string;
  value: Q;
  /** A positive integer gold (most generators), else null. */
  int: number | null;
}

interface Generated {
  wrong: string;
  right: string;
  meaning: Meaning;
}

interface Generator {
  name: string;
  /** Modes where the form applies (e.g. a hedge in prose is indistinguishable from reasoning in flexible mode). */
  modes: readonly Gsm8kMode[];
  /** Wrappers the answer may be placed in (`last` = the last number of a sentence). */
  wrappers?: readonly Wrapper[];
  make(pick: Pick, gold: Gold, mode: Gsm8kMode, wrapper: Wrapper): Generated | null;
}

const ALL_MODES: readonly Gsm8kMode[] = ['auto', 'strict', 'flexible'];
const MARKED: readonly Wrapper[] = ['hash', 'box', 'tag', 'phrase'];

const q = (n: bigint | number, d: bigint | number = 1n): Q => {
  let [a, b] = [BigInt(n), BigInt(d)];
  if (b < 0n) [a, b] = [-a, -b];
  let [x, y] = [a < 0n ? -a : a, b];
  while (y) [x, y] = [y, x % y];
  return { n: a / (x || 1n), d: b / (x || 1n) };
};
const same = (a: Q, b: Q): boolean => a.n * b.d === b.n * a.d;

/** Reasoning with numbers that are never the gold's value, and no marker, box, tag or answer phrase. */
function reasoning(pick: Pick, gold: Gold): string {
  const other = (): number => {
    for (;;) {
      const n = pick.int(1, 500);
      if (!same(q(n), gold.value)) return n;
    }
  };
  const templates = [
    () => `She buys ${other()} apples and ${other()} pears.`,
    () => `Each box holds ${other()} items.`,
    () => `That leaves ${other()} for the next day.`,
    () => 'Let me check the arithmetic again.',
    () => `The price went up by ${other()} dollars last week.`,
    () => 'We read the question carefully first.',
  ];
  const parts: string[] = [];
  for (let i = pick.int(0, 3); i > 0; i--) parts.push(pick.of(templates)());
  return parts.join(' ');
}

/** The whole response: reasoning, then the answer `x` in the given wrapper (strict: always `####`). */
function wrap(pick: Pick, gold: Gold, wrapper: Wrapper, x: string, context = ''): string {
  const before = `${reasoning(pick, gold)}${context === '' ? '' : ` ${context}`}`;
  switch (wrapper) {
    case 'hash':
      return `${before}\n#### ${x}`;
    case 'box':
      return `${before} So the total is ${pick.of([`\\boxed{${x}}`, `$\\boxed{${x}}$`, `\\(\\boxed{${x}}\\)`])}.`;
    case 'tag':
      return `<think>${before}</think>\n${pick.of([`<answer>${x}</answer>`, `<answer> ${x} </answer>`, `<answer>\\boxed{${x}}</answer>`])}`;
    case 'phrase':
      return `${before} ${pick.of([`The answer is ${x}.`, `The final answer is: ${x}`, `**Answer:** ${x}`])}`;
    case 'last':
      return `${before} So the result is ${x}${pick.of(['.', '', ' in total.', '!'])}`;
  }
}

/** A wrong answer `x` (meaning `meaning`) and a right one `r`, in the same wrapper after the same reasoning. */
function pair(pick: Pick, gold: Gold, wrapper: Wrapper, x: string, meaning: Meaning, r: string, context = ''): Generated {
  const seed = pick.int(0, 1_000_000);
  return { wrong: withSeed(seed, (p) => wrap(p, gold, wrapper, x, context)), right: withSeed(seed, (p) => wrap(p, gold, wrapper, r, context)), meaning };
}

/** The same choices again from the same seed (so a wrong and a right variant share their reasoning). */
function withSeed<T>(seed: number, f: (pick: Pick) => T): T {
  return f(new Pick(fc.sample(fc.gen(), { numRuns: 1, seed })[0]!));
}

/** An integer other than the gold (for hedges, swaps and totals). */
function otherThan(pick: Pick, g: number): number {
  const w = pick.int(1, 999);
  return w === g ? w + 1 : w;
}

const GENERATORS: Generator[] = [
  {
    name: 'gold as a denominator',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null || g < 2) return null;
      const k = pick.int(1, g - 1);
      const m = pick.int(2, 9);
      const x = pick.of([`\\frac{${k}}{${g}}`, `\\dfrac{${k}}{${g}}`, `\\tfrac{${k}}{${g}}`, `${k}/${g}`, `$\\frac{${k}}{${g}}$`, ...(k < 10 && g < 10 ? [`\\frac${k}${g}`] : [])]);
      return pair(pick, gold(g), w, x, q(k, g), pick.of([`\\frac{${g * m}}{${m}}`, `${g * m}/${m}`]));
    },
  },
  {
    name: 'gold as the numerator of a non-integer fraction',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const d = pick.int(2, 12);
      if (g % d === 0) return null;
      return pair(pick, gold(g), w, pick.of([`\\frac{${g}}{${d}}`, `\\dfrac{${g}}{${d}}`, `${g}/${d}`]), q(g, d), `\\frac{${g * d}}{${d}}`);
    },
  },
  {
    name: 'gold as an exponent',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const b = pick.int(2, 9);
      const x = pick.of([`${b}^{${g}}`, `${b}^${g}`, `${b}**${g}`, `$${b}^{${g}}$`]);
      // b^g ≥ 2^g > g for every g ≥ 1.
      return pair(pick, gold(g), w, x, g <= 60 ? q(BigInt(b) ** BigInt(g)) : 'huge', pick.of([`${g}^{1}`, `${g}^1`]));
    },
  },
  {
    name: 'gold as the base of a power',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null || g < 2) return null;
      const e = pick.int(2, 4);
      const x = pick.of([`${g}^{${e}}`, `${g}^${e}`, `(${g})^${e}`, `(${g})^{${e}}`, `\\left(${g}\\right)^{${e}}`]);
      return pair(pick, gold(g), w, x, q(BigInt(g) ** BigInt(e)), `${g}^{1}`);
    },
  },
  {
    name: 'gold under a root or as a root index',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null || g < 2) return null;
      const r = Math.round(Math.sqrt(g));
      const options: [string, Meaning][] = [[`\\sqrt{${g}}`, r * r === g ? q(r) : 'no-value']];
      if (g <= 20) {
        let b = pick.int(2, 3);
        if (b === g) b = 4;
        options.push([`\\sqrt[${g}]{${BigInt(b) ** BigInt(g)}}`, q(b)]);
      }
      if (r * r !== g) options.push([`${pick.int(2, 9)}\\sqrt{${g}}`, 'no-value']);
      const [x, meaning] = pick.of(options);
      return pair(pick, gold(g), w, x, meaning, `\\sqrt{${g * g}}`);
    },
  },
  {
    name: 'gold as a scientific-notation exponent',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const m = pick.of(['1', '2', '1.5', '3.2', '7']);
      const x = pick.of([`${m}e${g}`, `${m}E${g}`, `${m}e+${g}`, `${m}\\times10^{${g}}`, `${m} \\times 10^{${g}}`, `${m} × 10^${g}`]);
      // m·10^g ≥ 10^g > g.
      const digits = String(g);
      const right = digits.length === 1 ? `${g}e0` : `${digits[0]}.${digits.slice(1)}e${digits.length - 1}`;
      return pair(pick, gold(g), w, x, g <= 40 ? mulPow10(m, g) : 'huge', right);
    },
  },
  {
    name: 'gold with a magnitude suffix or a scale word',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const [x, scale] = pick.of([
        [`${g}k`, 3],
        [`${g}K`, 3],
        [`${g}M`, 6],
        [`${g}B`, 9],
        [`${g} million`, 6],
        [`${g} thousand`, 3],
        [`${g} billion`, 9],
        [`${g}million`, 6],
      ] as const);
      return pair(pick, gold(g), w, x, q(BigInt(g) * 10n ** BigInt(scale)), pick.of([`${g} kg`, `${g} dollars`, `${g}kg`, `${g} dozen`]));
    },
  },
  {
    name: 'gold as the unit size, a different total',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const total = otherThan(pick, g);
      const seed = pick.int(0, 1_000_000);
      return {
        wrong: withSeed(seed, (p) => wrap(p, gold(g), w, `${total} kg`, `The bags hold ${g} kg each.`)),
        right: withSeed(seed, (p) => wrap(p, gold(g), w, `${g} kg`, `The bags hold ${total} kg each.`)),
        meaning: q(total),
      };
    },
  },
  {
    name: 'gold as an index or inside an identifier',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const x = pick.of([`x_{${g}}`, `x_${g}`, `a_{${g}}`, `v${g}`, `x${g}`, `H${g}O`]);
      return pair(pick, gold(g), w, x, 'no-number', String(g), `Let x_{${g}} be the count.`);
    },
  },
  {
    name: 'gold in a date',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const p2 = (n: number): string => String(n).padStart(2, '0');
      const x =
        g <= 28 ? pick.of([`2024-06-${p2(g)}`, `2024-${p2(g <= 12 ? g : 6)}-${p2(g)}`, `${p2(g <= 12 ? g : 6)}/${p2(g)}/2024`, `${g}/${g <= 12 ? 6 : 7}/2023`]) : pick.of([`${g}-06-06`, `06/06/${g}`]);
      return pair(pick, gold(g), w, x, 'no-value', String(g), `The sale started on 2023-11-${p2(pick.int(1, 28))}.`);
    },
  },
  {
    name: 'gold in a time or a ratio',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const x = g < 60 ? pick.of([`${g}:30`, `7:${String(g).padStart(2, '0')}`, `${g}:1`, `3:${g}`]) : pick.of([`${g}:30`, `${g}:15:00`]);
      return pair(pick, gold(g), w, x, 'no-value', String(g), 'The bus leaves at 7:45.');
    },
  },
  {
    name: 'gold as an ordinal',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null || g < 2) return null;
      const x = pick.of([`a ${g}th of the cake`, `the ${g}th`, `${g}^{th}`, `${g}th`, `${g}TH`, `${g}nd`]);
      return pair(pick, gold(g), w, x, 'no-value', `${g} slices`);
    },
  },
  {
    name: 'gold in a hedged box, tag or marker',
    modes: ['auto', 'strict'],
    wrappers: MARKED,
    make: (pick, { int: g }, mode, w) => {
      if (g === null) return null;
      const o = otherThan(pick, g);
      const [a, b] = pick.bool() ? [g, o] : [o, g];
      const join = pick.of([', ', ' or ', ' \\text{ or } ', ' to ', ' and ', '; ', ' or maybe ', ' of ']);
      if (w === 'hash' && join.includes('text')) return null;
      return mode === 'strict' && w !== 'hash' ? null : pair(pick, gold(g), w, `${a}${join}${b}`, 'hedge', String(g));
    },
  },
  {
    name: 'gold in the thinking, a wrong answer after it',
    modes: ALL_MODES,
    wrappers: ['hash'],
    make: (pick, gd, mode) => {
      if (gd.int === null) return null;
      const g = gd.int;
      const o = otherThan(pick, g);
      const inThink = (v: number): string => pick.of([`#### ${v}`, `\\boxed{${v}}`, `The answer is ${v}.`, `so ${v}`, `<answer>${v}</answer>`]);
      const after = (v: number): string =>
        mode === 'strict' ? `#### ${v}` : mode === 'flexible' ? `The result is ${v}.` : pick.of([`<answer>${v}</answer>`, `#### ${v}`, `\\boxed{${v}}`, `The answer is ${v}.`]);
      const r = reasoning(pick, gd);
      return { wrong: `<think>${r} ${inThink(g)}</think>\n${after(o)}`, right: `<think>${r} ${inThink(o)}</think>\n${after(g)}`, meaning: q(o) };
    },
  },
  {
    name: 'gold stated around an <answer> tag that holds another number',
    modes: ['auto'],
    wrappers: ['tag'],
    make: (pick, gd) => {
      if (gd.int === null) return null;
      const g = gd.int;
      const o = otherThan(pick, g);
      const seed = pick.int(0, 1_000_000);
      const text = (inTag: number, around: number): string => withSeed(seed, (p) => `${reasoning(p, gd)} ${aroundTag(p, inTag, around)}`);
      return { wrong: text(o, g), right: text(g, o), meaning: q(o) };
    },
  },
  {
    name: 'a number containing the gold digits',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const options: [string, Q][] = [
        [`${g}.5`, q(2 * g + 1, 2)],
        [`0.${g}`, q(g, 10 ** String(g).length)],
        [`1${g}`, q(Number(`1${g}`))],
        [`${g}0`, q(g * 10)],
        [`${g}.${g}`, q(Number(`${g}${g}`), 10 ** String(g).length)],
        [`${g}${g}`, q(Number(`${g}${g}`))],
        [`-${g}`, q(-g)],
        [`−${g}`, q(-g)],
        [`${g}.01`, q(100 * g + 1, 100)],
        [`${g} and a half`, q(2 * g + 1, 2)],
        [`${g}\\frac{1}{2}`, q(2 * g + 1, 2)],
        [`${g} 1/4`, q(4 * g + 1, 4)],
        [`${g}½`, q(2 * g + 1, 2)],
      ];
      const [x, meaning] = pick.of(options);
      return pair(pick, gold(g), w, x, meaning, pick.of([`${g}.0`, `${g}.00`, `0${g}`, `$${g}`, `\\$${g}.00`, `${g}`]));
    },
  },
  {
    name: 'the positive gold for a negative gold',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const neg: Gold = { text: `-${g}`, value: q(-g), int: null };
      const seed = pick.int(0, 1_000_000);
      const make = (x: string): string => withSeed(seed, (p) => wrap(p, neg, w, x));
      return { wrong: make(`${g}`), right: make(pick.of([`-${g}`, `−${g}`, `-$${g}`])), meaning: q(g), gold: neg } as Generated;
    },
  },
  {
    name: 'gold in an unevaluated expression or a range',
    modes: ALL_MODES,
    make: (pick, { int: g }, mode, w) => {
      if (g === null || g < 2) return null;
      const k = pick.int(1, 50);
      const [x, meaning] = pick.of([
        [`${g} + ${k}`, q(g + k)],
        [`${k} + ${g}`, q(g + k)],
        [`${k + g} - ${g}`, q(k)],
        [`${g} \\times ${k + 1}`, q(g * (k + 1))],
        [`${k + 1} * ${g}`, q(g * (k + 1))],
        [`${g}-${g + k}`, 'no-value'],
        [`${g + k}–${g}`, 'no-value'],
        [`(1 + ${g})`, q(g + 1)],
      ] as [string, Meaning][]);
      if (typeof meaning === 'object' && same(meaning, q(g))) return null;
      const a = pick.int(1, g - 1);
      return pair(pick, gold(g), w, x, meaning, mode === 'flexible' || w === 'last' || w === 'phrase' ? `${a} + ${g - a} = ${g}` : String(g));
    },
  },
  {
    name: 'gold times π, glued to letters and digits, in a version number',
    modes: ALL_MODES,
    make: (pick, { int: g }, _m, w) => {
      if (g === null) return null;
      const [x, meaning] = pick.of([
        [`${g}\\pi`, 'no-value'],
        [`${g}π`, 'no-value'],
        [`${g} \\pi`, 'no-value'],
        [`${g}x${pick.int(2, 9)}`, 'no-value'],
        [`0x${g}`, 'no-value'],
        [`1.${g}.3`, 'no-value'],
        [`version v${g}.2`, 'no-number'],
      ] as [string, Meaning][]);
      return pair(pick, gold(g), w, x, meaning, String(g));
    },
  },
];

function gold(g: number): Gold {
  return { text: String(g), value: q(g), int: g };
}

/** A tag holding `inTag`, with `around` stated before, after, in a box or in an earlier tag. */
function aroundTag(pick: Pick, inTag: number, around: number): string {
  return pick.of([
    `I think the answer is ${around}. <answer>${inTag}</answer> But ${around} might be better.`,
    `#### ${around}\n<answer>${inTag}</answer>`,
    `<answer>${inTag}</answer> \\boxed{${around}}`,
    `<answer>${around}</answer> Wait, let me redo that. <answer>${inTag}</answer> so ${around}`,
  ]);
}

/** m × 10^k exactly, m a short decimal string. */
function mulPow10(m: string, k: number): Q {
  const [int, frac = ''] = m.split('.');
  return q(BigInt(`${int}${frac}`) * 10n ** BigInt(k), 10n ** BigInt(frac.length));
}

const VERIFIERS = { auto: gsm8k(), strict: gsm8k({ mode: 'strict' }), flexible: gsm8k({ mode: 'flexible' }) };
const RUNS_PER_GENERATOR = 700;
const tally = new FarmTally();
let rightChecked = 0;

/** A gold: mostly small integers (GSM8K's range), some large. */
const goldArb = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 99 }), fc.integer({ min: 100, max: 999 }), fc.integer({ min: 1000, max: 99_999 }));

describe('GSM8K farming: wrong answers that contain the gold never score', () => {
  it.each(GENERATORS.map((g, i) => [g.name, g, i] as const))('%s', (_name, generator, i) => {
    const rightFailures: string[] = [];
    const dishonest: string[] = [];
    for (const [g, gen] of fc.sample(fc.tuple(goldArb, fc.gen()), { numRuns: RUNS_PER_GENERATOR, seed: 8000 + i })) {
      const pick = new Pick(gen);
      const mode = pick.of(generator.modes);
      // strict reads only `####`, flexible only the last number; auto gets every wrapper the form allows.
      const wrapper: Wrapper = mode === 'strict' ? 'hash' : mode === 'flexible' ? 'last' : pick.of(generator.wrappers ?? [...MARKED, 'last']);
      const generated = generator.make(pick, gold(g), mode, wrapper) as (Generated & { gold?: Gold }) | null;
      if (generated === null) continue;
      const target = generated.gold ?? gold(g);
      if (typeof generated.meaning === 'object' && same(generated.meaning, target.value)) {
        dishonest.push(`${JSON.stringify(generated.wrong)} means the gold ${target.text}`);
        continue;
      }
      const verifier = VERIFIERS[mode];
      const reference = verifier.parseReference(target.text);
      tally.count(generator.name);
      const wrong = verifier.verify(generated.wrong, reference);
      if (wrong.reward !== 0 || wrong.correct) {
        tally.fail({ generator: generator.name, policy: mode, gold: target.text, response: generated.wrong, got: `${wrong.reward} (${wrong.reason})` });
      }
      const right = verifier.verify(generated.right, reference);
      rightChecked++;
      if (right.reward !== 1) rightFailures.push(`[${mode}] gold ${target.text} ${JSON.stringify(generated.right)} → ${right.reason}`);
    }
    expect(dishonest).toEqual([]);
    expect(tally.report(generator.name)).toBe('');
    expect(rightFailures.slice(0, 10)).toEqual([]);
  });

  it('generated at least 10,000 wrong answers over all generators and modes, and checked as many right ones', () => {
    expect(tally.total).toBeGreaterThanOrEqual(10_000);
    expect(rightChecked).toBe(tally.total);
    for (const generator of GENERATORS) expect([generator.name, (tally.counts.get(generator.name) ?? 0) >= 300]).toEqual([generator.name, true]);
  });
});
