/**
 * Equality of plain decimal numerals by their text alone, in linear time and with no size limit: two
 * numerals that are equal as written must be equal however long they are, before any cap on bigint
 * work (which exists to bound arithmetic, not to refuse an exact copy of the reference).
 */

/** An optional sign (`+`, `-`, U+2212), digits with an optional `.` and fraction; nothing else. */
const DECIMAL = /^\s*([+\-\u2212]?)(\d*)(?:\.(\d*))?\s*$/;

/**
 * The canonical text of a plain decimal numeral (`-007.50` → `-7.5`, `+0.0` → `0`), or null when the
 * text is anything else (a fraction, thousands separators, LaTeX, an expression).
 */
export function canonicalDecimal(text: string): string | null {
  const match = DECIMAL.exec(text);
  if (match === null) return null;
  const [, sign, whole = '', fraction = ''] = match;
  if (whole === '' && fraction === '') return null;
  let start = 0;
  while (start < whole.length - 1 && whole.charCodeAt(start) === 48) start++;
  let end = fraction.length;
  while (end > 0 && fraction.charCodeAt(end - 1) === 48) end--;
  const integer = whole.slice(start) || '0';
  const digits = end > 0 ? `${integer}.${fraction.slice(0, end)}` : integer;
  return sign === '' || sign === '+' || digits === '0' ? digits : `-${digits}`;
}
