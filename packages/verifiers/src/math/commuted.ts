/**
 * A text key for expressions the engine does not evaluate (sums, products, integrals, unknown
 * commands), equal for two texts that differ only in the order of juxtaposed factors:
 * `\sum_{k=0}^{n-1} F_k F_{n-k-1}` and `\sum_{k=0}^{n-1} F_{n-k-1} F_k` share one key. Only scalar
 * multiplication is assumed to commute; big operators (`\sum`, `\prod`, `\int`, `\lim`) and the
 * operators between factors keep their places, and bracketed groups are keyed inside.
 */

/** Big operators: they apply to the factors after them, so a run of factors ends at each one. */
const BIG_OPERATOR = /^\\(?:sum|prod|int|iint|oint|lim|max|min|sup|inf)(?![A-Za-z])/;
/** Longest text keyed (longer texts are compared as they are). */
const MAX_KEYED_LENGTH = 400;

/** The order-free key of a spacing-free expression text (module comment). */
export function commutedKey(text: string): string {
  if (text.length > MAX_KEYED_LENGTH) return text;
  const atoms: string[] = [];
  const out: string[] = [];
  const flush = (): void => {
    out.push(...atoms.sort());
    atoms.length = 0;
  };
  let i = 0;
  while (i < text.length) {
    const start = i;
    const c = text[i]!;
    if (c === '\\') {
      i++;
      while (i < text.length && /[A-Za-z]/.test(text[i]!)) i++;
      if (i === start + 1) i++;
    } else if (/[A-Za-z0-9.]/.test(c)) {
      i++;
      if (/[0-9.]/.test(c)) while (i < text.length && /[0-9.]/.test(text[i]!)) i++;
    } else if (c === '(' || c === '[' || c === '{') {
      const close = matchingBracket(text, i);
      if (close < 0) return text;
      const inner = commutedKey(text.slice(i + 1, close));
      i = close + 1;
      atoms.push(c + inner + text[close]! + scripts(text, i, (n) => (i = n)));
      continue;
    } else {
      // an operator or separator: it ends the run of factors and keeps its place
      flush();
      out.push(c);
      i++;
      continue;
    }
    const atom = text.slice(start, i) + scripts(text, i, (n) => (i = n));
    if (BIG_OPERATOR.test(atom)) {
      flush();
      out.push(atom);
    } else atoms.push(atom);
  }
  flush();
  return out.join('');
}

/** The sub- and superscripts and brace arguments right after an atom (`_{n-k-1}`, `^2`, `{a}{b}`). */
function scripts(text: string, from: number, advance: (to: number) => void): string {
  let i = from;
  for (;;) {
    if ((text[i] === '_' || text[i] === '^') && i + 1 < text.length) {
      if (text[i + 1] === '{') {
        const close = matchingBracket(text, i + 1);
        if (close < 0) break;
        i = close + 1;
      } else i += 2;
    } else if (text[i] === '{') {
      const close = matchingBracket(text, i);
      if (close < 0) break;
      i = close + 1;
    } else break;
  }
  advance(i);
  return text.slice(from, i);
}

function matchingBracket(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
