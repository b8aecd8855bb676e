/**
 * The MATH verifier: extract the answer (extract.ts), normalise both answers (normalize.ts), read
 * their structure (structure.ts) and compare them (compare.ts). Reward 1 when correct, 0 otherwise.
 */
import { VerifierError } from '../errors.js';
import { canonicalDecimal } from '../exact/decimal-text.js';
import type { VerificationResult, Verifier } from '../types.js';
import { compareAnswers } from './compare.js';
import type { Verdict } from './compare.js';
import { extractAnswer, isProse, joinedBoxes, type MathExtraction } from './extract.js';
import { choiceLetter, normalizeAnswer } from './normalize.js';
import { isExactRefusal, TooComplexError } from './rational.js';
import { parseStructure } from './structure.js';
import type { Answer } from './structure.js';
import { withCappedExtracted } from '../text/extracted.js';

/** Options of {@link math}. */
export interface MathOptions {
  /** Reward of a correct answer (default 1). */
  correctReward?: number;
  /** Reward of a wrong, missing or undecidable answer (default 0). */
  wrongReward?: number;
  /** Longest extracted answer that is compared at all, in characters (default 1000). */
  maxAnswerLength?: number;
  /**
   * Where the answer is looked for (default `strict`): `strict` for RL rewards (an answer tag, a box
   * or an answer phrase, nothing else), `flexible` for evaluation (also the last formula or number of
   * free text, as math-verify does). See `extract.ts`.
   */
  extraction?: MathExtraction;
}

/** Default {@link MathOptions.maxAnswerLength}: real answers are far shorter; longer is "too complex". */
export const DEFAULT_MAX_ANSWER_LENGTH = 1000;
/** Shortest reference read as a worked solution rather than an answer (`1331 and 1728` is an answer). */
const MIN_SOLUTION_LENGTH = 80;
/** Two digit runs joined by one comma and no space (`2,74`, `0,111`): a decimal comma where one number is expected. */
const DECIMAL_COMMA = /^-?\d+,\d+$/;
/** Deepest brace/bracket nesting accepted in an answer before any parsing. */
export const MAX_NESTING = 40;

function nestingDepth(s: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 123 || c === 40 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 41 || c === 93) depth--;
  }
  return max;
}

interface PreparedGold {
  /** The answer as extracted, before normalisation. */
  raw: string;
  normalized: string;
  letter: string | null;
  structure: Answer | null;
  error?: string;
  /** For a gold answer: its canonical text when it is a plain decimal numeral (see {@link canonicalDecimal}). */
  decimal?: string | null;
}

function prepare(text: string, maxLength: number): PreparedGold {
  if (text.length > maxLength) {
    return {
      raw: text,
      normalized: '',
      letter: null,
      structure: null,
      error: `too-complex: answer longer than ${maxLength} characters`,
    };
  }
  if (nestingDepth(text) > MAX_NESTING) {
    return {
      raw: text,
      normalized: '',
      letter: null,
      structure: null,
      error: `too-complex: nesting deeper than ${MAX_NESTING}`,
    };
  }
  const normalized = normalizeAnswer(text);
  try {
    return { raw: text, normalized, letter: choiceLetter(normalized), structure: parseStructure(normalized) };
  } catch (e) {
    if (e instanceof TooComplexError) {
      return { raw: text, normalized, letter: null, structure: null, error: `too-complex: ${e.message}` };
    }
    throw e;
  }
}

/**
 * The gold answer of a reference: the last box of a solution, joined with the boxes right before it
 * as in a completion (`\boxed{1} and \boxed{-2}` is `1, -2`), or the reference itself.
 */
function goldText(raw: string): string | null {
  if (/\\(?:boxed|fbox)(?![A-Za-z])/.test(raw)) return joinedBoxes(raw);
  // a worked solution without a box: its answer is where a reader (flexible extraction) finds it
  if (raw.length > MIN_SOLUTION_LENGTH && isProse(raw.replace(/\$[^$]*\$/g, ' '))) {
    return extractAnswer(raw, 'flexible')?.text ?? raw.trim();
  }
  return raw.trim();
}

/**
 * The MATH verifier. The reference is the gold answer in LaTeX (`\frac{1}{2}`, `(1,2)`, `x=3`) or a
 * full solution whose last `\boxed{}` holds it. Reasons: `correct`, `wrong-answer`, `no-answer`,
 * `too-complex: …`, `unparseable: …`.
 */
export function math(options: MathOptions = {}): Verifier<string> {
  const correctReward = options.correctReward ?? 1;
  const wrongReward = options.wrongReward ?? 0;
  const maxLength = options.maxAnswerLength ?? DEFAULT_MAX_ANSWER_LENGTH;
  const extraction = options.extraction ?? 'strict';
  if (extraction !== 'strict' && extraction !== 'flexible') {
    throw new VerifierError('options.extraction', `expected "strict" or "flexible", got ${JSON.stringify(extraction)}`);
  }
  // Gold answers repeat across a group of samples: prepare each once (pure, so results are unchanged).
  const golds = new Map<string, PreparedGold>();

  const result = (
    correct: boolean,
    formatOk: boolean,
    extracted: string | null,
    reason: string,
  ): VerificationResult => ({
    reward: correct ? correctReward : wrongReward,
    correct,
    formatOk,
    extracted,
    reason,
  });

  const gold = (reference: string): PreparedGold => {
    let g = golds.get(reference);
    if (!g) {
      const text = goldText(reference);
      g =
        text === null || text === ''
          ? { raw: '', normalized: '', letter: null, structure: null, error: 'unparseable: reference has no answer' }
          : prepare(text, maxLength * 4);
      g.decimal = text === null ? null : canonicalDecimal(text);
      if (golds.size >= 2048) golds.clear();
      golds.set(reference, g);
    }
    return g;
  };

  const judge = (g: PreparedGold, p: PreparedGold): Verdict => {
    if (g.error) return { eq: false, reason: g.error };
    if (p.error) return { eq: false, reason: p.error };
    if (g.letter) {
      // multiple choice: the predicted letter, written C, (C), \text{(C)} or "(C) 12"
      return { eq: choiceLetter(p.normalized, true) === g.letter };
    }
    const verdict = compareAnswers(g.structure!, p.structure!);
    if (verdict.eq) return verdict;
    // `2,74` against one number: a decimal comma (a list of two numbers cannot equal one number)
    const decimal = decimalCommaReading(g, p);
    return decimal ? compareAnswers(decimal.gold, decimal.predicted) : verdict;
  };

  const decimalCommaReading = (g: PreparedGold, p: PreparedGold): { gold: Answer; predicted: Answer } | null => {
    // read on the answer as written: `-4309 \text{ and } 0` normalises to `-4309,0` but is a list
    const asDecimal = (x: PreparedGold): Answer | null =>
      DECIMAL_COMMA.test(x.raw.replace(/\$/g, '').trim())
        ? prepare(x.normalized.replace(',', '.'), maxLength).structure
        : null;
    if (g.structure!.kind === 'scalar') {
      const predicted = asDecimal(p);
      return predicted ? { gold: g.structure!, predicted } : null;
    }
    if (p.structure!.kind === 'scalar') {
      const gold = asDecimal(g);
      return gold ? { gold, predicted: p.structure! } : null;
    }
    return null;
  };

  return withCappedExtracted({
    // one registry name per policy, so that a pool worker or a config can name either
    name: extraction === 'flexible' ? 'math-flexible' : 'math',
    parseReference(raw: unknown): string {
      if (typeof raw !== 'string') {
        throw new VerifierError(
          'reference',
          `expected a string (a LaTeX answer or a solution with \\boxed{}), got ${raw === null ? 'null' : typeof raw}`,
        );
      }
      const text = goldText(raw);
      if (text === null) {
        throw new VerifierError(
          'reference',
          'the solution has a \\boxed{ that never closes, so no answer can be found',
        );
      }
      if (text === '') throw new VerifierError('reference', 'expected a non-empty answer');
      return text;
    },
    verify(completion: string, reference: string): VerificationResult {
      let extracted: string | null = null;
      try {
        if (typeof completion !== 'string') return result(false, false, null, 'no-answer');
        const answer = extractAnswer(completion, extraction);
        if (!answer) return result(false, false, null, 'no-answer');
        extracted = answer.text;
        const g = gold(String(reference));
        // Before the length and size caps: an exact copy of a long numeral is right, not too complex.
        if (g.decimal !== undefined && g.decimal !== null && canonicalDecimal(answer.text) === g.decimal) {
          return result(true, true, extracted, 'correct');
        }
        const v = judge(g, prepare(answer.text, maxLength));
        return result(v.eq, true, extracted, v.eq ? 'correct' : (v.reason ?? 'wrong-answer'));
      } catch (e) {
        // never throw: a bug or an unexpected engine failure is a zero reward with its reason
        if (isExactRefusal(e)) return result(false, extracted !== null, extracted, `too-complex: ${e.message}`);
        return result(false, extracted !== null, extracted, `error: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  });
}
