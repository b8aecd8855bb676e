/**
 * The `<answer>…</answer>` tag that R1-Zero-style templates ask for, shared by every verifier that
 * reads it (one definition of where a tagged answer is).
 */

const OPEN_TAG = '<answer>';
const CLOSE_TAG = '</answer>';

/** What {@link lastAnswerTag} found. */
export interface AnswerTag {
  /** Text between the tags, untrimmed. */
  content: string;
  /** True when more `</answer>` tags follow the answer's own closing tag (a degenerate output). */
  repeatedClose: boolean;
}

/**
 * The last complete `<answer>…</answer>` anywhere in `text` (not only on the last line): the last
 * `<answer>` that has a `</answer>` after it, up to the first `</answer>` after it. A later unclosed
 * `<answer>` is ignored. Tags are case-sensitive. Two native substring searches: O(n).
 */
export function lastAnswerTag(text: string): AnswerTag | null {
  const close = text.lastIndexOf(CLOSE_TAG);
  if (close < OPEN_TAG.length) return null;
  const open = text.lastIndexOf(OPEN_TAG, close - OPEN_TAG.length);
  if (open < 0) return null;
  const firstClose = text.indexOf(CLOSE_TAG, open + OPEN_TAG.length);
  return { content: text.slice(open + OPEN_TAG.length, firstClose), repeatedClose: firstClose !== close };
}
