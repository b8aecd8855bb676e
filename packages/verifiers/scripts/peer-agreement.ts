/**
 * Our `math` verifier against other graders' own test suites (`cases/peers/<suite>.jsonl`, converted
 * and measured by tools/peers/: each case is a gold/prediction pair, the verdict the peer's test
 * expects, and the verdicts measured for math-verify and, where available, the peer's own grader).
 *
 * Every case is run under both extraction policies, `math({ extraction: 'strict' })` and
 * `math({ extraction: 'flexible' })`, with the prediction as the completion and the gold as the
 * reference (`verify(response, parseReference(reference))`). Prints a Markdown table per suite and
 * category: cases, expected true/false, and how often each grader agrees with the expected verdict.
 * `--verbose` also lists our disagreements, false positives first, and for `strict` counts the misses
 * whose response has no `\boxed{}` and no answer phrase (nothing for strict extraction to find).
 *
 * Usage: npx tsx --conditions=@rlvr/source scripts/peer-agreement.ts [--verbose]
 * (npm run peer-agreement -w @rlvr/verifiers -- --verbose)
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { extractAnswer, math } from '../src/math/index.js';
import type { MathExtraction } from '../src/math/index.js';
import type { Verifier } from '../src/types.js';

/** One line of `cases/peers/<suite>.jsonl`. */
export interface PeerCase {
  /** Unique id, e.g. `math-verify-all-042`. */
  id: string;
  /** The peer whose test suite the case comes from. */
  suite: string;
  /** File and line of the case in the peer's repository. */
  source: string;
  /** The peer test the case belongs to, in kebab-case. */
  category: string;
  /** The gold answer, exactly as the peer's test passes it. */
  reference: string;
  /** The prediction, exactly as the peer's test passes it. */
  response: string;
  /** The verdict the peer's test asserts. */
  expected: boolean;
  /** Non-default arguments of the peer's test harness for this case. */
  options: Record<string, unknown>;
  /** Verdicts measured by tools/peers/run-math-verify.py: `math-verify-default`, `math-verify-own`, `<suite>-own`. */
  peer: Record<string, boolean>;
  /** How a value was written when the peer's test did not pass a string. */
  conversion?: string;
}

/** The converted suites, each `cases/peers/<suite>.jsonl`. */
export const PEER_SUITES = ['math-verify', 'nemo-skills', 'hendrycks'] as const;
/** Our two extraction policies. */
export const POLICIES: readonly MathExtraction[] = ['strict', 'flexible'];

/** All cases of one peer suite. */
export function loadPeerSuite(suite: string): PeerCase[] {
  return readFileSync(new URL(`../cases/peers/${suite}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as PeerCase);
}

/** Our verifier under one extraction policy. */
export function peerVerifier(extraction: MathExtraction): Verifier<string> {
  return math({ extraction });
}

/** Our verdict on one case. A gold that `parseReference` rejects is a wrong answer with its reason. */
export function runPeerCase(
  verifier: Verifier<string>,
  c: PeerCase,
): { correct: boolean; reason: string; extracted: string | null } {
  let reference: string;
  try {
    reference = verifier.parseReference(c.reference);
  } catch (e) {
    return {
      correct: false,
      reason: `reference rejected: ${e instanceof Error ? e.message : String(e)}`,
      extracted: null,
    };
  }
  const { correct, reason, extracted } = verifier.verify(c.response, reference);
  return { correct, reason, extracted };
}

/** Whether strict extraction finds nothing in the response: no `\boxed{}`, no answer tag, no answer phrase. */
export function hasNoAnswerMarker(response: string): boolean {
  return extractAnswer(response, 'strict') === null;
}

/** The peer-grader verdict keys shown in the table, per suite: math-verify's default harness, and the peer's own grader. */
export function ownGraderKey(suite: string): string {
  return `${suite}-own`;
}

interface Tally {
  cases: number;
  expectedTrue: number;
  mvDefault: number;
  own: number;
  ownMeasured: number;
  strict: number;
  flexible: number;
}

function newTally(): Tally {
  return { cases: 0, expectedTrue: 0, mvDefault: 0, own: 0, ownMeasured: 0, strict: 0, flexible: 0 };
}

interface Disagreement {
  c: PeerCase;
  policy: MathExtraction;
  reason: string;
  extracted: string | null;
}

function main(): void {
  const verbose = process.argv.includes('--verbose');
  const verifiers = new Map(POLICIES.map((p) => [p, peerVerifier(p)] as const));
  const pct = (n: number, of: number): string => (of === 0 ? '—' : `${n} (${((100 * n) / of).toFixed(1)}%)`);
  const rows = [
    "| suite | category | cases | expected true | expected false | math-verify (default harness) | peer's own grader | ours, strict | ours, flexible |",
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const all = newTally();
  const disagreements: Disagreement[] = [];
  const row = (suite: string, category: string, t: Tally, bold = false): string => {
    const b = (s: string): string => (bold ? `**${s}**` : s);
    const cells = [
      suite,
      category,
      String(t.cases),
      String(t.expectedTrue),
      String(t.cases - t.expectedTrue),
      pct(t.mvDefault, t.cases),
      pct(t.own, t.ownMeasured),
      pct(t.strict, t.cases),
      pct(t.flexible, t.cases),
    ];
    return `| ${cells.map((c, i) => (i < 2 ? c : b(c))).join(' | ')} |`;
  };
  for (const suite of PEER_SUITES) {
    const byCategory = new Map<string, Tally>();
    const total = newTally();
    for (const c of loadPeerSuite(suite)) {
      const t = byCategory.get(c.category) ?? newTally();
      byCategory.set(c.category, t);
      const ownKey = ownGraderKey(suite);
      for (const x of [t, total, all]) {
        x.cases += 1;
        x.expectedTrue += c.expected ? 1 : 0;
        x.mvDefault += c.peer['math-verify-default'] === c.expected ? 1 : 0;
        if (ownKey in c.peer) {
          x.ownMeasured += 1;
          x.own += c.peer[ownKey] === c.expected ? 1 : 0;
        }
      }
      for (const policy of POLICIES) {
        const r = runPeerCase(verifiers.get(policy)!, c);
        if (r.correct === c.expected) for (const x of [t, total, all]) x[policy] += 1;
        else disagreements.push({ c, policy, reason: r.reason, extracted: r.extracted });
      }
    }
    for (const [category, t] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) {
      rows.push(row(suite, category, t));
    }
    rows.push(row(suite, '**all**', total, true));
  }
  rows.push(row('**all suites**', '', all, true));
  console.log(rows.join('\n'));
  console.log(
    `\n"peer's own grader": math-verify's own test harness (compare_strings with each case's options) for its suite, NeMo-Skills' math_equal, Hendrycks' is_equiv; all as measured by tools/peers/run-math-verify.py.`,
  );

  const clip = (s: string | null, n = 90): string => {
    if (s === null) return '∅';
    // line breaks stay visible (some cases are about them), other runs of spacing become one space
    const one = s.replace(/\n/g, '\\n').replace(/\s+/g, ' ').trim();
    return one.length > n ? `${one.slice(0, n - 20)} … ${one.slice(-19)}` : one;
  };
  for (const policy of POLICIES) {
    const mine = disagreements.filter((d) => d.policy === policy);
    const fp = mine.filter((d) => !d.c.expected);
    const fn = mine.filter((d) => d.c.expected);
    // Under strict, a response with nothing for strict extraction to find is a miss by design: counted, and listed by id only.
    const unmarked = policy === 'strict' ? fn.filter((d) => hasNoAnswerMarker(d.c.response)) : [];
    console.log(
      `\n${policy}: ${fp.length} false positive(s), ${fn.length} false negative(s)` +
        (policy === 'strict'
          ? ` (${unmarked.length} of them with no \\boxed{}, answer tag or answer phrase in the response)`
          : ''),
    );
    if (!verbose) continue;
    const listed = fn.filter((d) => !unmarked.includes(d));
    for (const [title, list] of [
      ['false positives (expected false, ours true)', fp],
      ['false negatives (expected true, ours false)', listed],
    ] as const) {
      if (list.length === 0) continue;
      console.log(`\n#### ${policy}: ${title}\n`);
      console.log('| id | source | gold | prediction | extracted | reason | math-verify default |');
      console.log('|---|---|---|---|---|---|---|');
      for (const d of list) {
        const cell = (s: string): string => `\`${s.replace(/\|/g, '\\|').replace(/`/g, "'")}\``;
        console.log(
          `| ${d.c.id} | ${d.c.source} | ${cell(clip(d.c.reference))} | ${cell(clip(d.c.response))} | ${cell(clip(d.extracted, 60))} | ${d.reason} | ${d.c.peer['math-verify-default'] ? '✓' : '✗'} |`,
        );
      }
    }
    if (unmarked.length > 0) {
      console.log(
        `\n#### ${policy}: false negatives with no \\boxed{}, answer tag or answer phrase in the response (${unmarked.length})\n\n${unmarked.map((d) => d.c.id).join(', ')}`,
      );
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
