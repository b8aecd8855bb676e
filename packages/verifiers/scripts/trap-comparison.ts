/**
 * The README's comparison on the trap list: each (gold, prediction) pair of research anchors §B.10,
 * the verdict a correct grader should give, the verdicts measured there for math-verify, Hendrycks
 * `is_equiv` and the Minerva/DAPO normaliser (facts recorded in that table, `null` = not measured),
 * and this package's `math` verifier, run here. Prints a Markdown table and the tallies.
 * Usage: npx tsx --conditions=@rlvr/source scripts/trap-comparison.ts
 */
import { math } from '../src/math/index.js';

interface Trap {
  gold: string;
  prediction: string;
  /** Whether the two are the same answer (for percent, this package's documented policy). */
  equal: boolean;
  mathVerify: boolean | null;
  hendrycks: boolean | null;
  minerva: boolean | null;
}

const T = true;
const F = false;
const TRAPS: Trap[] = [
  { gold: '0.5', prediction: '\\frac{1}{2}', equal: T, mathVerify: T, hendrycks: T, minerva: F },
  { gold: '.5', prediction: '0.5', equal: T, mathVerify: T, hendrycks: T, minerva: F },
  { gold: '1000', prediction: '1,000', equal: T, mathVerify: T, hendrycks: F, minerva: T },
  { gold: '10\\%', prediction: '10', equal: T, mathVerify: F, hendrycks: T, minerva: F },
  { gold: '10\\%', prediction: '0.1', equal: F, mathVerify: T, hendrycks: F, minerva: F },
  { gold: '90^\\circ', prediction: '90', equal: T, mathVerify: T, hendrycks: T, minerva: T },
  { gold: '18.90', prediction: '\\$18.90', equal: T, mathVerify: T, hendrycks: T, minerva: T },
  { gold: '5', prediction: '5\\text{ cm}', equal: T, mathVerify: T, hendrycks: T, minerva: T },
  { gold: '3', prediction: 'x=3', equal: T, mathVerify: T, hendrycks: T, minerva: T },
  { gold: '\\frac{\\sqrt{3}}{2}', prediction: '\\sqrt{3}/2', equal: T, mathVerify: T, hendrycks: F, minerva: F },
  { gold: '\\frac{3}{4}', prediction: '\\tfrac34', equal: T, mathVerify: T, hendrycks: T, minerva: F },
  { gold: '\\frac{1}{2}', prediction: '1/2', equal: T, mathVerify: T, hendrycks: T, minerva: F },
  { gold: '12', prediction: '12.0', equal: T, mathVerify: T, hendrycks: F, minerva: F },
  { gold: '\\{1,2\\}', prediction: '\\{2,1\\}', equal: T, mathVerify: T, hendrycks: F, minerva: F },
  { gold: '3, 5', prediction: '5, 3', equal: T, mathVerify: T, hendrycks: F, minerva: F },
  { gold: '\\frac{2}{4}', prediction: '\\frac{1}{2}', equal: T, mathVerify: T, hendrycks: F, minerva: F },
  { gold: '7425000', prediction: '7,425,000', equal: T, mathVerify: T, hendrycks: F, minerva: T },
  { gold: '2x+4y-3=0', prediction: 'y=-\\frac{1}{2}x+\\frac{3}{4}', equal: T, mathVerify: T, hendrycks: F, minerva: F },
  { gold: '(1,2)', prediction: '[1,2]', equal: F, mathVerify: F, hendrycks: F, minerva: F },
  { gold: '(-\\infty,2]', prediction: '(-\\infty,2)', equal: F, mathVerify: F, hendrycks: F, minerva: F },
  { gold: '(1,2)', prediction: '(2,1)', equal: F, mathVerify: F, hendrycks: F, minerva: F },
  { gold: '2\\pi', prediction: '6.28', equal: F, mathVerify: F, hendrycks: F, minerva: F },
  { gold: '2\\pi', prediction: '6.283185', equal: T, mathVerify: T, hendrycks: null, minerva: null },
  { gold: '\\pm 2', prediction: '2', equal: F, mathVerify: F, hendrycks: F, minerva: F },
  { gold: '\\frac{1}{2^{99}}', prediction: '\\frac{1}{2^{98}}', equal: F, mathVerify: T, hendrycks: F, minerva: F },
  {
    gold: '1-\\frac{1}{\\mathrm{e}}',
    prediction: '1+\\frac{1}{\\mathrm{e}}',
    equal: F,
    mathVerify: T,
    hendrycks: null,
    minerva: null,
  },
  { gold: '\\frac{1}{2004!}', prediction: '\\frac{1}{2006!}', equal: F, mathVerify: T, hendrycks: null, minerva: null },
  // a decimal comma where one number is expected (README "decimal comma"); math-verify's own test suite agrees
  { gold: '1000.99', prediction: '1000,99', equal: T, mathVerify: F, hendrycks: F, minerva: F },
  { gold: '0.333', prediction: '\\frac{1}{3}', equal: F, mathVerify: F, hendrycks: F, minerva: F },
  { gold: '\\frac{1}{3}', prediction: '0.333333', equal: T, mathVerify: T, hendrycks: null, minerva: null },
  { gold: '\\frac{1}{3}', prediction: '0.3333', equal: F, mathVerify: F, hendrycks: null, minerva: null },
];

const verifier = math();
const mark = (verdict: boolean | null, right: boolean): string =>
  verdict === null ? '—' : verdict === right ? (verdict ? '✓' : '✗') : verdict ? '**✓ (wrong)**' : '**✗ (wrong)**';
const tally: Record<'mathVerify' | 'hendrycks' | 'minerva' | 'ours', [right: number, measured: number]> = {
  mathVerify: [0, 0],
  hendrycks: [0, 0],
  minerva: [0, 0],
  ours: [0, 0],
};
const rows = [
  '| gold | prediction | same answer? | math-verify | Hendrycks | Minerva | @rlvr/verifiers |',
  '|---|---|---|---|---|---|---|',
];
for (const trap of TRAPS) {
  const ours = verifier.verify(
    `The final answer is $\\boxed{${trap.prediction}}$.`,
    verifier.parseReference(trap.gold),
  ).correct;
  for (const [key, verdict] of [
    ['mathVerify', trap.mathVerify],
    ['hendrycks', trap.hendrycks],
    ['minerva', trap.minerva],
    ['ours', ours],
  ] as const) {
    if (verdict === null) continue;
    tally[key][1] += 1;
    if (verdict === trap.equal) tally[key][0] += 1;
  }
  const cell = (text: string): string => `\`${text.replace(/\|/g, '\\|')}\``;
  rows.push(
    `| ${cell(trap.gold)} | ${cell(trap.prediction)} | ${trap.equal ? 'yes' : 'no'} | ${mark(trap.mathVerify, trap.equal)} | ${mark(trap.hendrycks, trap.equal)} | ${mark(trap.minerva, trap.equal)} | ${mark(ours, trap.equal)} |`,
  );
}
const score = ([right, measured]: [number, number]): string => `${right}/${measured}`;
rows.push(
  `| **right verdicts** | | | **${score(tally.mathVerify)}** | **${score(tally.hendrycks)}** | **${score(tally.minerva)}** | **${score(tally.ours)}** |`,
);
console.log(rows.join('\n'));
