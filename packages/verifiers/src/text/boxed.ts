/**
 * Extraction of the last `\boxed{…}` / `\fbox{…}` of a completion, with nested braces, in one
 * linear backward search plus one forward brace scan (so a 10 MB completion or 100k nested braces
 * cost O(n), never more).
 */

/** The content of a box and where the box sits in the text. */
export interface BoxedAnswer {
  /** Text inside the braces (or after `\boxed ` for the brace-less form), not trimmed. */
  content: string;
  /** Index of the backslash that starts the box. */
  start: number;
  /** Index just past the box. */
  end: number;
}

const COMMANDS = ['\\boxed', '\\fbox'];

/**
 * The last complete box in `text`: `\boxed{…}` or `\fbox{…}` with balanced braces (escaped braces
 * `\{` `\}` do not count), or the brace-less `\boxed 5` form (up to the next whitespace, `$` or end).
 * A box whose braces never close is skipped in favour of an earlier complete one. Null when none.
 */
export function lastBoxed(text: string): BoxedAnswer | null {
  let searchFrom = text.length;
  // A box that did not close before `limit` (the start of a later unclosed box) never closes: from
  // there on its depth stays above the later box's. Bounding each scan by it keeps the whole O(n).
  let limit = text.length;
  // Last known position of each command before `searchFrom`; refreshed only when passed, so that the
  // backward searches together cover the text once.
  const positions = COMMANDS.map((name) => text.lastIndexOf(name));
  while (searchFrom > 0) {
    let start = -1;
    let command = '';
    COMMANDS.forEach((name, k) => {
      if (positions[k]! >= searchFrom) positions[k] = searchFrom > 0 ? text.lastIndexOf(name, searchFrom - 1) : -1;
      if (positions[k]! > start) {
        start = positions[k]!;
        command = name;
      }
    });
    if (start < 0) return null;
    const box = readBox(text, start, start + command.length, command === '\\boxed', limit);
    if (typeof box === 'object') return box;
    searchFrom = start;
    if (box === 'unclosed') limit = start;
  }
  return null;
}

function readBox(
  text: string,
  start: number,
  afterCommand: number,
  allowBare: boolean,
  limit: number,
): BoxedAnswer | 'unclosed' | 'not-a-box' {
  let i = afterCommand;
  // A letter right after the command means another macro (`\boxedx`, `\fboxsep`): not a box.
  if (i < text.length && /[A-Za-z]/.test(text[i]!)) return 'not-a-box';
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  if (text[i] === '{') {
    let depth = 0;
    for (let j = i; j < limit; j++) {
      const c = text.charCodeAt(j);
      if (c === 92 /* \ */) {
        j++; // skip the escaped character, so `\{` and `\}` do not count as braces
      } else if (c === 123 /* { */) {
        depth++;
      } else if (c === 125 /* } */) {
        depth--;
        if (depth === 0) return { content: text.slice(i + 1, j), start, end: j + 1 };
      }
    }
    return 'unclosed';
  }
  if (!allowBare || i === afterCommand) return 'not-a-box'; // `\boxed5` is not the bare form; `\boxed 5` is
  let j = i;
  while (j < text.length && !/[\s$]/.test(text[j]!)) j++;
  return j > i ? { content: text.slice(i, j), start, end: j } : 'not-a-box';
}
