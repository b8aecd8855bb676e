/**
 * Where the answer of a MATH completion is. Priority (first that finds something wins):
 *
 * 1. the last complete `\boxed{…}` / `\fbox{…}` (or `\boxed 5`) anywhere in the text, via `lastBoxed`;
 * 2. the last "final answer is …" / "final answer: …" (case-insensitive);
 * 3. the last "answer: …" at the start of a line or after a sentence (Minerva's `Answer:` form);
 * 4. the last "the answer is …".
 *
 * A phrase fallback takes the rest of its line (at most 300 characters): the first `$…$`, `\(…\)`
 * or `\[…\]` math segment in it if there is one, otherwise the text up to the end of the sentence,
 * without a trailing period and without Minerva's "I hope it is correct". There is deliberately no
 * "last number in the text" fallback: it turns any trailing number into an answer (a known source of
 * false positives). Work is linear in the length of the completion.
 */
import { lastBoxed } from '../text/boxed.js';

/** An extracted answer and how it was found. */
export interface ExtractedAnswer {
  /** The answer text, trimmed (still raw LaTeX). */
  text: string;
  /** `boxed` or the phrase that introduced it. */
  method: 'boxed' | 'final-answer' | 'answer-colon' | 'answer-is';
}

const PHRASES: ReadonlyArray<{ method: ExtractedAnswer['method']; re: RegExp }> = [
  { method: 'final-answer', re: /final answer(?: is)?\s*[:：]?/gi },
  { method: 'answer-colon', re: /(?:^|\n|[.!?*#]\s*)\**answer\**\s*[:：]/gi },
  { method: 'answer-is', re: /\bthe answer is\s*[:：]?/gi },
];

/** The extracted answer of a completion, or null when it has none. */
export function extractAnswer(completion: string): ExtractedAnswer | null {
  const box = lastBoxed(completion);
  if (box) {
    const text = box.content.trim();
    return text === '' ? null : { text, method: 'boxed' };
  }
  for (const { method, re } of PHRASES) {
    re.lastIndex = 0;
    let lastEnd = -1;
    for (let m = re.exec(completion); m; m = re.exec(completion)) {
      lastEnd = m.index + m[0].length;
      if (m[0].length === 0) re.lastIndex++;
    }
    if (lastEnd < 0) continue;
    const text = afterPhrase(completion.slice(lastEnd, lastEnd + 300));
    if (text !== '') return { text, method };
  }
  return null;
}

function afterPhrase(rest: string): string {
  let line = rest.split('\n', 1)[0]!.trim();
  const math = /\$\$([^$]+)\$\$|\$([^$]+)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]/.exec(line);
  if (math) return (math[1] ?? math[2] ?? math[3] ?? math[4] ?? '').trim();
  line = line.replace(/\s*I hope it is correct.*$/i, '').replace(/^\*+|\*+$/g, '').trim();
  // end of sentence: a period followed by a space or the end (not a decimal point)
  const stop = /\.(\s|$)/.exec(line);
  if (stop) line = line.slice(0, stop.index);
  return line.replace(/^\*+|\*+$/g, '').trim();
}
