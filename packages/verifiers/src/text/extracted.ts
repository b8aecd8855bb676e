/**
 * The cap on `extracted`, shared by every built-in verifier: a result travels to logs, JSONL output
 * and across worker threads, and a 10 MB answer (a model that never closes its box) echoed whole
 * costs more to copy than the verification did. The verdict is taken on the whole answer first.
 */
import type { Verifier } from '../types.js';

/** Longest `extracted` returned whole, in characters; a longer one is cut (see {@link capExtracted}). */
export const MAX_EXTRACTED_LENGTH = 1000;

/**
 * `text` itself when it is at most {@link MAX_EXTRACTED_LENGTH} characters long; otherwise its first
 * that many characters, `…`, and its full length: `77777…(1000000 characters)`.
 */
export function capExtracted(text: string): string {
  if (text.length <= MAX_EXTRACTED_LENGTH) return text;
  let end = MAX_EXTRACTED_LENGTH;
  // Never end on the first half of a surrogate pair: a lone surrogate is not valid UTF-8 text.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…(${text.length} characters)`;
}

/** The same verifier, with the `extracted` of every result capped by {@link capExtracted}. */
export function withCappedExtracted<Ref>(verifier: Verifier<Ref>): Verifier<Ref> {
  const verify = verifier.verify.bind(verifier);
  return {
    ...verifier,
    verify(completion, reference) {
      const result = verify(completion, reference);
      const extracted = result.extracted;
      if (extracted === null || extracted.length <= MAX_EXTRACTED_LENGTH) return result;
      return { ...result, extracted: capExtracted(extracted) };
    },
  };
}
