/**
 * The Countdown answer grammar and its parser: non-negative integer literals, binary + − × ÷,
 * parentheses, whitespace, and nothing else. One left-to-right pass (shunting-yard with explicit
 * stacks, no recursion), so a 1 MB answer or 100k nested parentheses cost O(n) time and never
 * overflow the call stack. Never uses eval.
 *
 * Accepted spellings: `+`; `-` and `−` (U+2212); `*`, `×`, `·`, `⋅`, `\times`, `\cdot`; `/`, `÷`,
 * `\div`. Whitespace: space, tab, CR, LF, no-break and thin spaces. Everything else is rejected with a
 * reason naming the first offending token, in particular `**`, `//`, `%`, `^`, decimals, unary signs,
 * leading zeros and implicit multiplication.
 */

import { add, div, integer, mul, sub, type Rational } from './rational.js';
import { checkDeadline } from '../deadline.js';

/** RPN operator codes (negative, so that non-negative entries can index literals). */
export const ADD = -1;
/** Subtraction in {@link ParsedExpression.rpn}. */
export const SUB = -2;
/** Multiplication in {@link ParsedExpression.rpn}. */
export const MUL = -3;
/** Division in {@link ParsedExpression.rpn}. */
export const DIV = -4;
/** Marker of an open parenthesis on the operator stack (never in the output). */
const OPEN = 0;

/** A syntactically valid expression, in reverse Polish notation. */
export interface ParsedExpression {
  /** Entries ≥ 0 index {@link literals}; negative entries are ADD, SUB, MUL, DIV. */
  readonly rpn: readonly number[];
  /** The integer literals in order of appearance, as written (digits only, no leading zero). */
  readonly literals: readonly string[];
  /** True when the answer ended with an accepted `= target` suffix. */
  readonly claimedTarget: boolean;
}

/** Outcome of {@link parseExpression}: the expression, or why it is not one. */
export type ParseResult = { ok: true; expression: ParsedExpression } | { ok: false; reason: string };

/** Options of {@link parseExpression}. */
export interface ParseOptions {
  /**
   * When set, a single trailing `= N` is accepted if N is exactly this target (`(3+5)*3 = 24`); any
   * other use of `=` is rejected. When absent, `=` is always rejected.
   */
  target?: number;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  // space, \t, \n, \r, no-break space, thin space, narrow no-break space
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 0x2009 || c === 0x202f;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function precedence(op: number): number {
  return op === ADD || op === SUB ? 1 : 2;
}

const LATEX_OPERATORS: ReadonlyArray<readonly [string, number]> = [
  ['\\times', MUL],
  ['\\cdot', MUL],
  ['\\div', DIV],
];

/** The operator starting at `i` and its length in characters, or null. */
function readOperator(text: string, i: number, c: number): { op: number; length: number } | null {
  switch (c) {
    case 43: // +
      return { op: ADD, length: 1 };
    case 45: // -
    case 0x2212: // −
      return { op: SUB, length: 1 };
    case 42: // *
    case 0xd7: // ×
    case 0xb7: // ·
    case 0x22c5: // ⋅
      return { op: MUL, length: 1 };
    case 47: // /
    case 0xf7: // ÷
      return { op: DIV, length: 1 };
    case 92: // backslash
      for (const [command, op] of LATEX_OPERATORS) {
        if (text.startsWith(command, i) && !isLetter(text.charCodeAt(i + command.length))) {
          return { op, length: command.length };
        }
      }
      return null;
    default:
      return null;
  }
}

/** A short, printable description of the character at `i` for a reason string. */
function describeAt(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  if (cp >= 33 && cp <= 126) return `'${String.fromCharCode(cp)}'`;
  if (cp > 0xa0 && !(cp >= 0xd800 && cp <= 0xdfff)) return `'${String.fromCodePoint(cp)}'`;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Literal text for a reason, shortened when long (a 1 MB digit run must not end up in a log line). */
export function shorten(text: string, max = 24): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function fail(reason: string): ParseResult {
  return { ok: false, reason: `invalid-expression: ${reason}` };
}

/**
 * Parse a Countdown answer (the text inside `<answer>…</answer>`). Reports the first problem found
 * from the left, as `invalid-expression: …`.
 */
export function parseExpression(text: string, options: ParseOptions = {}): ParseResult {
  const n = text.length;
  const rpn: number[] = [];
  const literals: string[] = [];
  const ops: number[] = [];
  let expectOperand = true;
  let previousWasOpen = false;
  let sawToken = false;
  let depth = 0;
  let claimedTarget = false;
  let i = 0;
  while (i < n) {
    checkDeadline();
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    sawToken = true;
    if (isDigit(c)) {
      if (!expectOperand) return fail('missing operator between two operands');
      let j = i + 1;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) === 46 /* . */ && isDigit(text.charCodeAt(j + 1))) {
        let k = j + 1;
        while (k < n && isDigit(text.charCodeAt(k))) k++;
        return fail(`decimal number ${shorten(text.slice(i, k))}`);
      }
      if (c === 48 && j - i > 1) return fail(`leading zero in ${shorten(text.slice(i, j))}`);
      rpn.push(literals.length);
      literals.push(text.slice(i, j));
      expectOperand = false;
      previousWasOpen = false;
      i = j;
      continue;
    }
    if (c === 40 /* ( */) {
      if (!expectOperand) return fail("missing operator before '('");
      ops.push(OPEN);
      depth++;
      previousWasOpen = true;
      i++;
      continue;
    }
    if (c === 41 /* ) */) {
      if (depth === 0) return fail("unbalanced parentheses: unexpected ')'");
      if (expectOperand) return fail(previousWasOpen ? 'empty parentheses' : "missing operand before ')'");
      let top = ops.pop()!;
      while (top !== OPEN) {
        rpn.push(top);
        top = ops.pop()!;
      }
      depth--;
      previousWasOpen = false;
      i++;
      continue;
    }
    const operator = readOperator(text, i, c);
    if (operator !== null) {
      const { op, length } = operator;
      if (expectOperand) {
        if (op === SUB) return fail('unary minus');
        if (op === ADD) return fail('unary plus');
        return fail(`missing operand before ${describeAt(text, i)}`);
      }
      if (c === 42 && text.charCodeAt(i + 1) === 42) return fail("'**' is not allowed");
      if (c === 47 && text.charCodeAt(i + 1) === 47) return fail("'//' is not allowed");
      const p = precedence(op);
      // Left associativity: pop operators of equal or higher precedence (8/4/2 = (8/4)/2).
      while (ops.length > 0 && ops[ops.length - 1] !== OPEN && precedence(ops[ops.length - 1]!) >= p) {
        rpn.push(ops.pop()!);
      }
      ops.push(op);
      expectOperand = true;
      previousWasOpen = false;
      i += length;
      continue;
    }
    if (c === 46 /* . */) {
      if (isDigit(text.charCodeAt(i + 1))) {
        let k = i + 1;
        while (k < n && isDigit(text.charCodeAt(k))) k++;
        return fail(`decimal number ${shorten(text.slice(i, k))}`);
      }
      return fail("unexpected '.'");
    }
    if (c === 37 /* % */) return fail("'%' is not allowed");
    if (c === 94 /* ^ */) return fail("'^' is not allowed");
    if (c === 61 /* = */) {
      if (options.target === undefined || expectOperand || depth > 0) return fail("unexpected '='");
      if (!isTargetSuffix(text, i + 1, options.target)) {
        return fail(`'=' must be followed by the target ${options.target} and nothing else`);
      }
      claimedTarget = true;
      break;
    }
    return fail(`unexpected ${describeAt(text, i)}`);
  }
  if (!sawToken) return fail('empty');
  if (expectOperand) return fail(literals.length === 0 ? 'no number' : 'missing operand at the end');
  if (depth > 0) return fail("unbalanced parentheses: missing ')'");
  while (ops.length > 0) rpn.push(ops.pop()!);
  return { ok: true, expression: { rpn, literals, claimedTarget } };
}

/** True when text[from..] is whitespace, the target as a plain integer (optional minus), whitespace. */
function isTargetSuffix(text: string, from: number, target: number): boolean {
  const n = text.length;
  let i = from;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  let negative = false;
  if (text.charCodeAt(i) === 45 || text.charCodeAt(i) === 0x2212) {
    negative = true;
    i++;
  }
  const start = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  if (i === start || i - start > 16) return false;
  const digits = text.slice(start, i);
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  if (i !== n) return false;
  const expected = String(Math.abs(target));
  return digits === expected && negative === target < 0;
}

/** The value of a literal (digits only). */
export function literalValue(literal: string): Rational {
  return integer(literal.length <= 15 ? Number(literal) : BigInt(literal));
}

/**
 * Evaluate a parsed expression in exact rationals, with `values[k]` for literal k (defaults to the
 * literals' own values). Returns null on a division by zero.
 */
export function evaluate(expression: ParsedExpression, values?: readonly Rational[]): Rational | null {
  const stack: Rational[] = [];
  for (const entry of expression.rpn) {
    if (entry >= 0) {
      stack.push(values !== undefined ? values[entry]! : literalValue(expression.literals[entry]!));
      continue;
    }
    const b = stack.pop()!;
    const a = stack.pop()!;
    let r: Rational | null;
    if (entry === ADD) r = add(a, b);
    else if (entry === SUB) r = sub(a, b);
    else if (entry === MUL) r = mul(a, b);
    else r = div(a, b);
    if (r === null) return null;
    stack.push(r);
  }
  return stack[0]!;
}
