/**
 * String normalisation of an answer before it is parsed. Each rule is a documented policy:
 *
 * - Layout only: `$`, `\(` `\)`, `\left`, `\right`, `\bigl`…, `\displaystyle`, spacing commands
 *   (`\!`, `\,`, `\;`, `\:`, `\ `, `~`, `\quad`), `\dfrac`/`\tfrac`/`\cfrac` → `\frac`, unicode
 *   minus, ×, ·, π, √, ∞, ≤, ≥, ≠, ≈ and `<=`, `>=`, `!=` → LaTeX.
 * - Dollars: `\$` and a `dollars` unit are dropped (`\$18.90` = 18.90).
 * - Percent: `\%` / `%` / `％` / "percent" / "percentage" / "pct" are dropped, so `10\%` = 10 (the number written before the sign
 *   is the answer), and `10\%` ≠ 0.1. One rule for gold and prediction; never gold/100 or gold×100.
 * - Degrees: `^\circ`, `^{\circ}`, `°`, `\degree` are dropped (`90^\circ` = 90; not converted to radians).
 * - Units: a trailing `\text{…}` / `\mbox{…}` / `\mathrm{…}` (≥ 2 letters, optionally `^2`/`^3`)
 *   after a number, `)` or `}` is dropped, as is a trailing plain unit word from a short list.
 * - Thousands separators: `{,}` and `,\!` between digits are always separators; a bare comma is a
 *   separator only when the whole answer is one number whose comma groups are exactly three digits
 *   with no space (`1,000`, `7,425,000`, `-1,234.5`). Otherwise commas separate elements (`1,2` is a
 *   list, `1, 000` is a list). Digit groups separated by `\,` thin spaces are joined too.
 * - Text: `\text{and}` / "and" / "or" between answers become commas; remaining `\text{…}`,
 *   `\textbf{…}`, `\mathrm{…}`, `\mathbf{…}` wrappers are unwrapped (`\mathrm{e}` → `e`).
 * - A leading `x \in` is dropped (`x \in [a,b]` = `[a,b]`); a trailing period is dropped.
 */

const UNIT_WORDS =
  'cm|m|km|mm|meters?|metres?|centimeters?|kilometers?|inch|inches|in|feet|foot|ft|yards?|miles?|units?|' +
  'square|sq|cubic|degrees?|dollars?|cents?|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|years?|' +
  'mph|kg|g|grams?|kilograms?|pounds?|lbs?|ounces?|oz|liters?|litres?|mL|ml|L|people|students|ways|points?|times';
const TRAILING_UNIT_WORD = new RegExp(
  `(?<=[0-9})])(?:\\s+|\\s*\\\\text\\{\\s*)(?:${UNIT_WORDS})(?:\\^\\{?[23]\\}?)?\\}?\\s*$`,
);

/** A trailing `\text{…}` unit of at most three words after a number, `)` or `}` (`5\text{ cm}^2`). */
const TRAILING_UNIT_TEXT =
  /(?<=[0-9})\]])\s*\\(?:text|mathrm|textbf)\{\s*[A-Za-z][A-Za-z.]*(?:\s+[A-Za-z.]+){0,2}\s*\}(?:\^\{?[23]\}?)?\s*$/;
/** Words that make a trailing `\text{…}` a sentence about the answer, not a unit (`\text{ is not the answer}`). */
const NOT_A_UNIT = /\b(?:is|are|not|no|answer|wrong|incorrect|false|true|but|or|and|maybe|approximately|about)\b/i;

/** Normalise an extracted answer (see the module comment for every rule). */
export function normalizeAnswer(raw: string): string {
  let s = raw;
  s = s
    .replace(/−|–/g, '-')
    .replace(/×/g, '\\times ')
    .replace(/[·⋅]/g, '\\cdot ')
    .replace(/π/g, '\\pi ')
    .replace(/√/g, '\\sqrt')
    .replace(/∞/g, '\\infty ')
    .replace(/≤/g, '\\leq ')
    .replace(/≥/g, '\\geq ')
    .replace(/≠/g, '\\neq ')
    .replace(/≈/g, '\\approx ')
    .replace(/％/g, '%')
    .replace(/<=/g, '\\leq ')
    .replace(/>=/g, '\\geq ')
    .replace(/!=/g, '\\neq ')
    .replace(/°/g, '^\\circ');
  // `\\left(` / `\\frac` outside a matrix: a doubled backslash from escaping, not a line break
  if (!s.includes('\\begin')) s = s.replace(/\\\\(?=[A-Za-z])/g, '\\');
  s = s
    .replace(/\\\$/g, '')
    .replace(/\$/g, '')
    .replace(/\\[()[\]]/g, '');
  s = s.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big|biggl|biggr|bigg|Bigg)(?![A-Za-z])\s*\.?/g, '');
  s = s.replace(/\\(?:displaystyle|textstyle|scriptstyle)(?![A-Za-z])/g, '');
  s = s.replace(/\\[dtc]frac(?![A-Za-z])/g, '\\frac').replace(/\\[dt]binom(?![A-Za-z])/g, '\\binom');
  s = s.replace(/\\(?:le|leqslant)(?![A-Za-z])/g, '\\leq').replace(/\\(?:ge|geqslant)(?![A-Za-z])/g, '\\geq');
  s = s.replace(/\\infinity|\\inf(?![A-Za-z])/g, '\\infty');
  // thousands written with LaTeX spacing: 1{,}000, 10,\!080, 1\,000
  s = s
    .replace(/(\d)\s*\{\s*,\s*\}\s*(?=\d{3})/g, '$1')
    .replace(/(\d),\\!\s*(?=\d{3})/g, '$1')
    .replace(/(\d)\\,(?=\d{3}(?!\d))/g, '$1');
  s = s.replace(/(?<!\\)\\[!,;:>]|(?<!\\)\\ |~|\\q?quad/g, ' ');
  // degrees and percent
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree(?![A-Za-z])/g, '');
  s = s.replace(/\\%|%|\\text\{\s*(?:percent|percentage|pct)\s*\}|\b(?:percent|percentage|per\s?cent|pct)\b/g, '');
  s = s.replace(/\\mathrm\{\s*([eid])\s*\}/g, '$1');
  s = s.replace(/\\(?:mbox|textnormal|textrm)\{/g, '\\text{');
  s = s.replace(/\s*\\text\{\s*(?:and|or)\s*\}\s*|\s+(?:and|or)\s+|(?<=[)\]])\s*(?:and|or)\s*(?=[([])/g, ',');
  s = s.trim().replace(/\.$/, '').trim();
  // trailing units (repeat: "5\text{ cm}^2", "3 \text{ feet}")
  for (let k = 0; k < 3; k++) {
    const before = s;
    s = s.replace(TRAILING_UNIT_TEXT, (unit) => (NOT_A_UNIT.test(unit) ? unit : ''));
    s = s.replace(TRAILING_UNIT_WORD, '');
    if (s === before) break;
  }
  s = s.replace(/^[A-Za-z]\s*\\in(?![A-Za-z])/, '');
  // unwrap remaining text-like wrappers (one level at a time, innermost first)
  for (let k = 0; k < 4; k++) {
    const before = s;
    s = s.replace(/\\(?:text|textbf|textit|mathrm|mathbf|mathit|boxed|mathbb)\{([^{}]*)\}/g, '$1');
    if (s === before) break;
  }
  s = s.trim();
  if (/^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  if (/^[+-]?\d{1,3}(?: \d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/ /g, '');
  // a list in plain braces, `{1, 2, 3}`, is the set `\{1, 2, 3\}`
  if (/^\{[^{}]*,[^{}]*\}$/.test(s)) s = `\\{${s.slice(1, -1)}\\}`;
  return s.replace(/\s+/g, ' ').trim();
}

/** The spacing-free key used for the first, string-level comparison. */
export function compactKey(normalized: string): string {
  return normalized.replace(/\s+/g, '');
}

/** The letter of a multiple-choice answer (`C`, `(C)`, `\text{(C)}`, `C)`), or null. */
export function choiceLetter(normalized: string, loose = false): string | null {
  const s = compactKey(normalized);
  // loose (predictions): "(C) 12" names C, but a hedge "(A),(B)" names nothing
  const m = /^\(?([A-E])\)?$/.exec(s) ?? (loose ? /^\(([A-E])\)(?![^]*[,;]|[^]*\([A-E]\))/.exec(s) : null);
  return m ? m[1]! : null;
}
