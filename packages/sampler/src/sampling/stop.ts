/**
 * Stop strings, matched on the decoded completion text (not on tokens), so a stop string split across
 * several tokens is found. The whole text is searched each time because decoding a longer id list can
 * change earlier characters (a partial UTF-8 sequence becomes a character).
 */

/** The earliest index at which any (non-empty) stop string occurs in `text`, or -1. */
export function findStop(text: string, stops: readonly string[]): number {
  let best = -1;
  for (const stop of stops) {
    if (stop.length === 0) continue;
    const at = text.indexOf(stop);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}
