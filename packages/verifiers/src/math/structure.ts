/**
 * The shape of a normalised answer: a scalar, an equation, an ordered sequence with its brackets
 * (tuples and intervals: `(1,2)` ≠ `[1,2]` ≠ `(2,1)`), an unordered set (`\{…\}`, the values of a
 * `\pm`), a bare list of answers (`3, 5`: unordered), a union of intervals, a matrix, or an
 * inequality (compared as text). Splitting is bracket-aware and linear; the number of elements and
 * the `\pm` expansions are bounded.
 */
import { TooComplexError } from './rational.js';

/** A structured answer. */
export type Answer =
  | { kind: 'scalar'; text: string }
  | { kind: 'equation'; lhs: string; rhs: string }
  | { kind: 'seq'; open: string; close: string; items: Answer[] }
  | { kind: 'set'; items: Answer[] }
  | { kind: 'list'; items: Answer[] }
  | { kind: 'union'; items: Answer[] }
  | { kind: 'matrix'; rows: Answer[][] }
  | { kind: 'relation'; text: string };

/** Most elements in a tuple, set, list or matrix. */
export const MAX_ITEMS = 64;
/** Most `\pm` signs expanded in one answer (2^3 = 8 values). */
const MAX_PM = 3;

/**
 * Split at top-level occurrences of `sep` (a string such as "," or "\\cup"), outside any bracket
 * pair `()`, `[]`, `{}`, `\{\}` (bracket kinds are not matched against each other, so `[1,2)` nests).
 */
export function splitTopLevel(s: string, seps: readonly string[]): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[i + 1];
      if (next === '{' || next === '}') {
        depth += next === '{' ? 1 : -1;
        i++;
        continue;
      }
      if (depth === 0) {
        const sep = seps.find(
          (x) => x.startsWith('\\') && s.startsWith(x, i) && !/[A-Za-z]/.test(s[i + x.length] ?? ''),
        );
        if (sep) {
          parts.push(s.slice(start, i));
          start = i + sep.length;
          i = start - 1;
          continue;
        }
      }
      // skip the command name so that its letters are not separators
      while (i + 1 < s.length && /[A-Za-z]/.test(s[i + 1]!)) i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && seps.includes(c)) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  if (parts.length > MAX_ITEMS) throw new TooComplexError(`more than ${MAX_ITEMS} elements`);
  return parts.map((x) => x.trim());
}

/** Index of the bracket that closes the one at `open` (any kind), or -1. */
function matchingClose(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[i + 1];
      if (next === '{') depth++;
      else if (next === '}') {
        depth--;
        if (depth === 0) return i;
      }
      i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

const MATRIX = /^\\begin\{([pbBvV]?matrix|array|smallmatrix)\}(?:\{[^{}]*\})?([\s\S]*)\\end\{\1\}$/;
const RELATION = /<|>|\\leq?(?![A-Za-z])|\\geq?(?![A-Za-z])|\\neq(?![A-Za-z])|\\ne(?![A-Za-z])|\\lt|\\gt/;

/** The structure of a normalised answer. */
export function parseStructure(s: string, depth = 0): Answer {
  if (depth > 6) throw new TooComplexError('answer structure too deep');
  s = s.trim();
  const arithmetic = matrixArithmetic(s);
  if (arithmetic) return arithmetic;
  // `\left[\begin{array}…\end{array}\right]` after normalisation: brackets around a matrix
  const mat = MATRIX.exec(
    /^[([]\s*\\begin\{[^{}]*\}[\s\S]*\\end\{[^{}]*\}\s*[)\]]$/.test(s) ? s.slice(1, -1).trim() : s,
  );
  if (mat) {
    const rows = matrixRows(mat[2]!);
    if (rows.length > MAX_ITEMS) throw new TooComplexError('matrix too large');
    return { kind: 'matrix', rows: rows.map((r) => r.map((cell) => parseStructure(cell, depth + 1))) };
  }
  const unionParts = splitTopLevel(s, ['\\cup']);
  if (unionParts.length > 1) return { kind: 'union', items: unionParts.map((x) => parseStructure(x, depth + 1)) };

  if (s.startsWith('\\{') && matchingClose(s, 0) === s.length - 2) {
    const inner = s.slice(2, -2).trim();
    return { kind: 'set', items: inner === '' ? [] : expandItems(splitTopLevel(inner, [',', ';']), depth) };
  }
  if ((s[0] === '(' || s[0] === '[') && matchingClose(s, 0) === s.length - 1) {
    const inner = splitTopLevel(s.slice(1, -1), [',', ';']);
    if (inner.length > 1) {
      return {
        kind: 'seq',
        open: s[0],
        close: s[s.length - 1]!,
        items: inner.map((x) => parseStructure(x, depth + 1)),
      };
    }
  }
  const groups = splitTopLevel(s, [';']);
  if (groups.length > 1) {
    // `p=5,q=2; p=7,q=2`: groups of labelled values are the tuples (5,2), (7,2)
    const tuples = groups.map((group) => assignmentTuple(group, depth));
    if (tuples.every((t) => t !== null)) return { kind: 'list', items: tuples as Answer[] };
  }
  const items = splitTopLevel(s, [',', ';']).filter((x) => x !== '');
  if (items.length > 1) return { kind: 'list', items: expandItems(items, depth) };
  if (items.length === 0) return { kind: 'scalar', text: '' };

  const approx = splitTopLevel(s, ['\\approx']);
  if (approx.length > 1) {
    // `x \approx 11` names a value; `\frac{\sqrt3}{3} \approx 0.577` gives one and rounds it: the
    // exact part is the answer, the approximation a tail.
    return parseStructure(isLabel(approx[0]!) ? `${approx[0]}=${approx[1]}` : approx[0]!, depth + 1);
  }
  const sides = splitTopLevel(s, ['=']);
  if (sides.length > 1) {
    return { kind: 'equation', lhs: sides.slice(0, -1).join('='), rhs: sides[sides.length - 1]! };
  }
  if (RELATION.test(s)) return { kind: 'relation', text: s };
  const pm = expandPm(s);
  if (pm.length > 1) return { kind: 'set', items: pm.map((text) => ({ kind: 'scalar', text })) };
  return { kind: 'scalar', text: s };
}

/** Longest label (without spaces); longer left sides are expressions, not names. */
const MAX_LABEL_LENGTH = 60;
/** A name: a letter or a command (`\\alpha`), with an optional short subscript and primes. */
const NAME = String.raw`(?:[A-Za-z]|\\[A-Za-z]+)(?:_\{?[A-Za-z0-9]{1,4}\}?)?'*`;
/** One labelled quantity: `x`, `AB`, `f(x)`, `P(A)`, `\frac{NO}{BO}`, `|AB|`, `\overline{AB}`, `m\angle ABC`. */
const LABEL_ATOM = String.raw`(?:${NAME})+(?:\([A-Za-z0-9,]{1,12}\))?|\\frac\{(?:${NAME})+\}\{(?:${NAME})+\}|\|(?:${NAME})+\||\\overline\{(?:${NAME})+\}|m?\\angle(?:${NAME})+`;
const LABEL = new RegExp(String.raw`^(?:${LABEL_ATOM})(?::(?:${LABEL_ATOM}))*$`);

/**
 * True when `text` is a label that names a value rather than an expression: a variable, a product
 * of letters read as a name (`AB`), a function at a point, an absolute value or overline of names,
 * an angle, or a ratio of those (`V_1:V_2`). Numbers only inside subscripts or arguments.
 */
export function isLabel(text: string): boolean {
  const key = text.replace(/\s+/g, '');
  return key.length <= MAX_LABEL_LENGTH && key !== '\\pi' && LABEL.test(key);
}

/** A group `p=5, q=2` of at least two labelled values as the tuple `(5, 2)`; null otherwise. */
function assignmentTuple(group: string, depth: number): Answer | null {
  const parts = splitTopLevel(group, [',']);
  if (parts.length < 2) return null;
  const values: Answer[] = [];
  for (const part of parts) {
    const sides = splitTopLevel(part, ['=']);
    if (sides.length !== 2 || !isLabel(sides[0]!)) return null;
    values.push(parseStructure(sides[1]!, depth + 1));
  }
  return { kind: 'seq', open: '(', close: ')', items: values };
}

const MATRIX_ENV = /\\begin\{([pbBvV]?matrix)\}([\s\S]*?)\\end\{\1\}/g;
/** Most matrices in one sum or product. */
const MAX_MATRIX_OPERANDS = 4;

/** The rows of a matrix body (`1 & 2 \\\\ 3 & 4`), each a list of its cells' texts. */
function matrixRows(body: string): string[][] {
  return body
    .split(/\\\\/)
    .map((r) => r.trim())
    .filter((r) => r !== '')
    .map((r) => r.split('&').map((c) => c.trim()));
}

/** The cells of a matrix body, rows of equal length; null otherwise. */
function matrixCells(body: string): string[][] | null {
  const rows = matrixRows(body);
  if (rows.length === 0 || rows.length > MAX_ITEMS || rows.some((r) => r.length !== rows[0]!.length)) return null;
  return rows;
}

/**
 * A sum, difference or product of literal matrices (`A + B`, `A \\cdot B`, `AB`) as the matrix
 * of its cells, each cell an expression text for the scalar comparison; null for anything else
 * (one operator kind per expression, shapes must agree).
 */
function matrixArithmetic(s: string): Answer | null {
  MATRIX_ENV.lastIndex = 0;
  const operands: string[][][] = [];
  const operators: string[] = [];
  let end = 0;
  for (let m = MATRIX_ENV.exec(s); m; m = MATRIX_ENV.exec(s)) {
    const between = s.slice(end, m.index).trim();
    if (operands.length === 0 ? between !== '' : !/^(?:[+-]|\\cdot|\\times|)$/.test(between)) return null;
    if (operands.length > 0) operators.push(between === '-' ? '-' : between === '+' ? '+' : '*');
    const cells = matrixCells(m[2]!);
    if (!cells || operands.length >= MAX_MATRIX_OPERANDS) return null;
    operands.push(cells);
    end = m.index + m[0].length;
  }
  if (
    operands.length < 2 ||
    s.slice(end).trim() !== '' ||
    new Set(operators.map((o) => (o === '*' ? '*' : '+'))).size > 1
  ) {
    return null;
  }
  let result = operands[0]!;
  for (let k = 1; k < operands.length; k++) {
    const next = operands[k]!;
    const op = operators[k - 1]!;
    if (op === '*') {
      if (result[0]!.length !== next.length) return null;
      result = result.map((row) => next[0]!.map((_, j) => row.map((cell, i) => `(${cell})(${next[i]![j]})`).join('+')));
    } else {
      if (result.length !== next.length || result[0]!.length !== next[0]!.length) return null;
      result = result.map((row, i) => row.map((cell, j) => `(${cell})${op}(${next[i]![j]})`));
    }
  }
  return { kind: 'matrix', rows: result.map((row) => row.map((text) => ({ kind: 'scalar', text }) as Answer)) };
}

function expandItems(items: string[], depth: number): Answer[] {
  const out: Answer[] = [];
  for (const item of items) {
    const a = parseStructure(item, depth + 1);
    if (a.kind === 'set' && /\\(?:pm|mp)(?![A-Za-z])/.test(item)) out.push(...a.items);
    else out.push(a);
    if (out.length > MAX_ITEMS) throw new TooComplexError(`more than ${MAX_ITEMS} elements`);
  }
  return out;
}

/** `a \pm b` → [`a + b`, `a - b`]; up to {@link MAX_PM} signs. */
export function expandPm(s: string): string[] {
  const re = /\\(pm|mp)(?![A-Za-z])/;
  let out = [s];
  for (let k = 0; k < MAX_PM + 1; k++) {
    const m = re.exec(out[0]!);
    if (!m) return out;
    if (k === MAX_PM) throw new TooComplexError('too many \\pm');
    out = out.flatMap((t) => {
      const mm = re.exec(t)!;
      const [first, second] = mm[1] === 'pm' ? ['+', '-'] : ['-', '+'];
      return [
        t.slice(0, mm.index) + first + t.slice(mm.index + mm[0].length),
        t.slice(0, mm.index) + second + t.slice(mm.index + mm[0].length),
      ];
    });
  }
  return out;
}
