/**
 * Where the answer of a MATH completion is, under one of two extraction policies.
 *
 * Sources, in order (the first that finds something wins):
 *
 * 1. the last complete `<answer>…</answer>` tag (the R1-Zero template's answer): the strict sources
 *    below are searched inside it, and when none finds anything the whole tag content is the answer
 *    (a number is never mined from it);
 * 2. the last complete `\boxed{…}` / `\fbox{…}` (or `\boxed 5`), joined with the boxes right before
 *    it when only separators stand between them (`\boxed{3}` and `\boxed{5}` → `3, 5`: an answer
 *    split over several boxes); boxes with reasoning between them are not joined, so only the last
 *    of a hedge counts. A "final answer is …" written after the last box replaces it;
 * 3. the last answer phrase of any kind: "final answer is …" / "final answer: …", "answer: …" at the
 *    start of a line or after a sentence (Minerva's `Answer:` form), "the answer is …"
 *    (case-insensitive). A phrase whose statement is negated, hedged or continued states no answer,
 *    and then nothing else is read;
 * 4. `flexible` only: the later of the last math segment (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`, joined
 *    with the segments right before it when only separators stand between them) and the last plain
 *    number of the text; else a short completion with no prose is itself the answer.
 *
 * `strict` (the default, for RL rewards) stops after 3: a completion that never states its answer
 * gets none, because "the last number" or "the last formula" of free text turns any trailing
 * number into an answer (a known false-positive source that a policy learns to farm). `flexible`
 * (for evaluation, as math-verify's default does) adds 4.
 *
 * A phrase reads the rest of its sentence (at most 300 characters of its line): filler words and a
 * label linked to the value are skipped (`The largest $n$ is 34.` → `34`, `$x = 5$` stays whole),
 * then the first math segment or the text to the end of the sentence is the answer, without
 * Minerva's "I hope it is correct". Work is linear in the length of the completion.
 */
import { lastAnswerTag } from '../text/answer-tag.js';
import { lastBoxed } from '../text/boxed.js';
import { MAX_ITEMS, splitTopLevel } from './structure.js';
import { checkDeadline } from '../deadline.js';

/** Where answers are looked for: `strict` for RL rewards, `flexible` for evaluation (module comment). */
export type MathExtraction = 'strict' | 'flexible';

/** An extracted answer and how it was found. */
export interface ExtractedAnswer {
  /** The answer text, trimmed (still raw LaTeX). */
  text: string;
  /** The source that found it (module comment). */
  method: 'boxed' | 'answer-tag' | 'final-answer' | 'answer-colon' | 'answer-is' | 'last-math' | 'last-number';
}

const PHRASES: ReadonlyArray<{ method: ExtractedAnswer['method']; re: RegExp }> = [
  { method: 'final-answer', re: /final answer(?: is)?\s*[:：]?/gi },
  { method: 'answer-colon', re: /(?:^|\n|[.!?*#]\s*)\**answer\**\s*[:：]/gi },
  { method: 'answer-is', re: /\bthe answer is\s*[:：]?/gi },
];

/** Layout between two boxes or math segments: spacing, `$`, `\(` `\)`, `\quad`, `\text{` `}` wrappers. */
const GAP_LAYOUT = /\$|\\[(),;!]|\\q?quad|\\text\{|[{}]/g;
/** A label and `=` at the end of a gap, naming the part after it (`y_2 =`). */
const NEXT_LABEL = /(?:^|\s)[A-Za-z](?:_\s*\{?[A-Za-z0-9]{1,4}\}?)?\s*=\s*$/;
/** A separator between the parts of one answer. */
const CONJUNCTION = /,|;|\band\b|\bor\b/i;
/** At most this many words between joined parts (`papers and`, `for part (a) and`). */
const MAX_GAP_WORDS = 4;
/** Longest gap between two parts of one answer (a longer gap is reasoning, not a separator). */
const MAX_GAP = 40;
/** Longest earlier box (in characters) that is joined to a later one. */
const MAX_JOINED_BOX = 4000;

/**
 * True when the text between two boxes (or math segments) separates parts of one answer: layout and
 * a separator (`$ and $`, `, `), or a few words around a spoken "and"/"or" (`\text{ for part (a)
 * and }`). Reasoning between them (`no no no`, `; correcting,`, a sentence) keeps them apart.
 */
function joiningGap(gap: string): boolean {
  if (gap.length > MAX_GAP) return false;
  // the next part's own label (`\) and \( y_2 = \boxed{…}`) belongs to it, not to the gap
  const text = gap.replace(GAP_LAYOUT, ' ').replace(NEXT_LABEL, '');
  if (text.trim() === '') return true;
  if (/\d/.test(text) || !CONJUNCTION.test(text)) return false;
  const words = (text.match(/[A-Za-z()]+/g) ?? []).filter((w) => !/^(?:and|or)$/i.test(w));
  // words only around a spoken "and"/"or" (`papers and`); a comma or semicolon joins bare parts only
  return words.length === 0 || (/\b(?:and|or)\b/i.test(text) && words.length <= MAX_GAP_WORDS);
}

/** The extracted answer of a completion, or null when it has none. */
export function extractAnswer(completion: string, extraction: MathExtraction = 'strict'): ExtractedAnswer | null {
  const tag = lastAnswerTag(completion);
  if (tag) {
    // the tag is the declared answer: a box or phrase inside it, else all of it (never a number mined from it)
    const inner = extractFrom(tag.content, 'strict');
    if (inner) return inner;
    const text = unwrapMath(tag.content.trim());
    return text === '' ? null : { text, method: 'answer-tag' };
  }
  return extractFrom(completion, extraction);
}

function extractFrom(text: string, extraction: MathExtraction): ExtractedAnswer | null {
  const boxed = joinedBoxesAt(text);
  const boxedAnswer: ExtractedAnswer | null = boxed && boxed.text !== '' ? { text: boxed.text, method: 'boxed' } : null;
  const finalStatement = lastPhrase(text, PHRASES[0]!.re);
  // A box wins over phrases, except over a "final answer is …" written after it: the final
  // statement is the answer, and still only one value is graded.
  if (boxed && !(finalStatement >= boxed.end)) return boxedAnswer;
  // the last answer phrase of any kind: a later statement replaces an earlier one
  let phrase: { method: ExtractedAnswer['method']; end: number } | null = null;
  for (const { method, re } of PHRASES) {
    const end = method === 'final-answer' ? finalStatement : lastPhrase(text, re);
    if (end >= 0 && (phrase === null || end > phrase.end)) phrase = { method, end };
  }
  if (phrase) {
    let answer = phraseSpan(text.slice(phrase.end, phrase.end + 300));
    // flexible: a sentence with one number in it ("Jane started 3 hours ago") states that number
    if (extraction === 'flexible' && isProse(answer) && !NEGATION.test(answer)) answer = singleNumber(answer) ?? answer;
    // a phrase whose statement is negated, hedged or continued states no answer: nothing else is read
    return answer !== '' ? { text: answer, method: phrase.method } : null;
  }
  if (boxed) return boxedAnswer;
  if (extraction === 'strict') return null;
  const math = lastMath(text);
  const number = lastPlainNumber(text);
  if (math && number) return number.end > math.end ? number.answer : math.answer;
  return math?.answer ?? wholeAnswer(text) ?? number?.answer ?? null;
}

/** End of the last match of a phrase, or -1. */
function lastPhrase(text: string, re: RegExp): number {
  re.lastIndex = 0;
  let lastEnd = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    checkDeadline();
    lastEnd = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
  return lastEnd;
}

/** The only plain number of a sentence, or null when it has none or several. */
function singleNumber(sentence: string): string | null {
  const numbers = sentence.match(PLAIN_NUMBER);
  return numbers && numbers.length === 1 ? numbers[0]! : null;
}

/** The last box joined with the boxes right before it (module comment); '' for an empty box. */
export function joinedBoxes(text: string): string | null {
  return joinedBoxesAt(text)?.text ?? null;
}

/** {@link joinedBoxes} with the index just past the last box. */
function joinedBoxesAt(text: string): { text: string; end: number } | null {
  const last = lastBoxed(text);
  if (!last) return null;
  const parts = [last.content.trim()];
  let start = last.start;
  while (parts.length <= MAX_ITEMS) {
    // Only a window before the box is searched: a box longer than that is too long to compare anyway.
    const windowStart = Math.max(0, start - MAX_GAP - MAX_JOINED_BOX);
    const previous = lastBoxed(text.slice(windowStart, start));
    if (!previous) break;
    const gap = text.slice(windowStart + previous.end, start);
    if (!joiningGap(gap)) break;
    parts.unshift(previous.content.trim());
    start = windowStart + previous.start;
  }
  return { text: parts.filter((p) => p !== '').join(', '), end: last.end };
}

/** True when `text` holds a word of three letters or more outside LaTeX commands and environment names. */
export function isProse(text: string): boolean {
  return /[A-Za-z]{3,}/.test(text.replace(/\\(?:begin|end)\{[A-Za-z*]+\}|\\[A-Za-z]+/g, ' '));
}

/** Longest completion that {@link wholeAnswer} reads as a bare answer. */
const MAX_BARE_ANSWER = 200;

/** `flexible`: a short completion with no prose (`\frac{10}{9}`, `1 000`) is itself the answer. */
function wholeAnswer(text: string): ExtractedAnswer | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > MAX_BARE_ANSWER || isProse(trimmed)) return null;
  return { text: trimmed, method: 'last-math' };
}

/**
 * A math segment: `$$…$$`, `$…$`, `\(…\)` or `\[…\]` (content in the first defined group). Inline
 * segments stay on one line and may hold escaped dollars (`\$`); display segments may span lines.
 */
const MATH_SEGMENT = /\$\$([^$]+)\$\$|\$((?:\\\$|[^$\n])+)\$|\\\(([^\n]+?)\\\)|\\\[([\s\S]+?)\\\]/g;

function segmentContent(m: RegExpExecArray): string {
  return (m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').trim();
}

/** A text that is one math segment, unwrapped; other text unchanged. */
function unwrapMath(text: string): string {
  MATH_SEGMENT.lastIndex = 0;
  const m = MATH_SEGMENT.exec(text);
  return m && m.index === 0 && m[0].length === text.length ? segmentContent(m) : text;
}

/** A word or sign that links a label to its value: "is", "are", "equals", "=", ":". */
const LINK = /\s(?:is|are|equals|was|will be)\s|=|:/i;
/** A negation or hedge before the value: the phrase states no answer. */
const NEGATION =
  /\b(?:not|no|never|isn't|wasn't|cannot|can't|maybe|perhaps|either|wrong|incorrect|false|but|except|anything|other)\b/i;
/**
 * What may follow the answer's formula in its sentence: nothing, punctuation or a unit, never a
 * word that changes the value (`plus one`, `divided by $2$`), a second formula, a question mark or a
 * negation.
 */
const STATEMENT_TAIL =
  /^(?![\s\S]*(?:\b(?:plus|minus|times|divided|over|multiplied|squared|cubed|more|less|fewer|added|subtracted|not|no|or|but|except|if|unless|maybe|perhaps)\b|\?|\$|\\\(|\\\[))[\s\S]*$/i;

/** The rest of a sentence: up to a period followed by a space or the end. */
function sentenceTail(rest: string): string {
  const stop = /\.(?:\s|$)/.exec(rest);
  return stop ? rest.slice(0, stop.index) : rest;
}

/** Filler before the value: no digit, no math, at most a few words ("therefore", "The largest"). */
const FILLER = /^[^\d$\\]{0,60}$/;

/** The answer in the sentence after an answer phrase (module comment). */
function phraseSpan(rest: string): string {
  let sentence = rest.split('\n', 1)[0]!.replace(/\s*I hope it is correct.*$/i, '');
  for (let hop = 0; hop < 4; hop++) {
    sentence = sentence.replace(/^(?:[\s*:："“”]|\\")+/, '');
    MATH_SEGMENT.lastIndex = 0;
    const m = MATH_SEGMENT.exec(sentence);
    if (m && m.index === 0) {
      // `$n$ is 34`: the segment is a label when a link follows it
      const after = sentence.slice(m[0].length);
      const link = /^\s*(?:is|are|equals|=)\s*/i.exec(after);
      if (link && /\S/.test(after.slice(link[0].length))) {
        sentence = after.slice(link[0].length);
        continue;
      }
      const run = segmentRun(sentence, m);
      return STATEMENT_TAIL.test(sentenceTail(sentence.slice(run.end))) ? run.text : '';
    }
    const head = m ? sentence.slice(0, m.index) : sentence;
    // "the answer is not 9 but 6": a negated statement states no answer
    if (NEGATION.test(head)) return '';
    const link = LINK.exec(head);
    if (link && !/\d/.test(head.slice(0, link.index)) && /\S/.test(sentence.slice(link.index + link[0].length))) {
      // "The volume of ABCD is 120": a label without numbers, then its value
      sentence = sentence.slice(link.index + link[0].length);
      continue;
    }
    if (m && FILLER.test(head)) {
      sentence = sentence.slice(m.index);
      continue;
    }
    break;
  }
  // to the end of the sentence (a period followed by a space or the end, not a decimal point)
  return sentenceTail(sentence.replace(/^\*+|\*+$/g, '').trim())
    .replace(/^\*+|\*+$/g, '')
    .trim();
}

/** The segment `first` at the start of `sentence` joined with the segments after it across joining gaps, and where the run ends. */
function segmentRun(sentence: string, first: RegExpExecArray): { text: string; end: number } {
  const parts = [segmentContent(first)];
  let end = first[0].length;
  MATH_SEGMENT.lastIndex = end;
  for (
    let m = MATH_SEGMENT.exec(sentence);
    m && parts.length < MAX_ITEMS && joiningGap(sentence.slice(end, m.index));
    m = MATH_SEGMENT.exec(sentence)
  ) {
    parts.push(segmentContent(m));
    end = m.index + m[0].length;
  }
  return { text: parts.filter((p) => p !== '').join(', '), end };
}

/** `flexible`: the last math segment, joined with the segments right before it (module comment). */
function lastMath(text: string): { answer: ExtractedAnswer; end: number } | null {
  MATH_SEGMENT.lastIndex = 0;
  const segments: Array<{ end: number; content: string }> = [];
  for (let m = MATH_SEGMENT.exec(text); m; m = MATH_SEGMENT.exec(text)) {
    checkDeadline();
    const content = segmentContent(m);
    if (content === '') continue;
    const previous = segments[segments.length - 1];
    // keep only the run of joined segments that ends at the latest segment
    if (!(previous && joiningGap(text.slice(previous.end, m.index)) && segments.length < MAX_ITEMS)) {
      segments.length = 0;
    }
    segments.push({ end: m.index + m[0].length, content });
  }
  if (segments.length === 0) return null;
  if (!STATEMENT_TAIL.test(sentenceTail(text.slice(segments[segments.length - 1]!.end)))) return null;
  return {
    answer: { text: segments.map((s) => lastConstantSide(s.content)).join(', '), method: 'last-math' },
    end: segments[segments.length - 1]!.end,
  };
}

/**
 * A formula of free text that is a chain of constant sides (`\frac{1}{2}\cdot\frac{20}{9} = \frac{10}{9}`)
 * states its result last; an equation with variables is kept whole.
 */
function lastConstantSide(formula: string): string {
  const sides = splitTopLevel(formula, ['=']);
  if (sides.length < 2 || sides.some((side) => side === '' || /[A-Za-z]/.test(side.replace(/\\[A-Za-z]+/g, '')))) {
    return formula;
  }
  return sides[sides.length - 1]!;
}

/**
 * A plain number, not part of a word (`AZYUK2A` holds none): sign, digits with comma groups, a decimal
 * point or comma, or a fraction `a/b`.
 */
const PLAIN_NUMBER =
  /(?<![A-Za-z0-9.,])-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?(?:\s*\/\s*\d+)?|\.\d+)(?![0-9])/g;

/** `flexible`: the last plain number of the text (outside any math, since there is none). */
function lastPlainNumber(text: string): { answer: ExtractedAnswer; end: number } | null {
  // inline math broken over lines (`$ \n 9 \n $`) is malformed LaTeX, not plain text: nothing in it
  // counts (blanked with spaces, so positions stay those of the text)
  text = text.replace(/\$[^$]*\$|\\\([\s\S]*?\\\)/g, (m) => ' '.repeat(m.length));
  PLAIN_NUMBER.lastIndex = 0;
  let last: RegExpExecArray | null = null;
  for (let m = PLAIN_NUMBER.exec(text); m; m = PLAIN_NUMBER.exec(text)) {
    checkDeadline();
    last = m;
  }
  // (a `$` after a plain number is a currency sign, not a formula)
  if (
    last === null ||
    !STATEMENT_TAIL.test(sentenceTail(text.slice(last.index + last[0].length)).replace(/\$/g, ' '))
  ) {
    return null;
  }
  return { answer: { text: last[0].replace(/\s+/g, ''), method: 'last-number' }, end: last.index + last[0].length };
}
