/**
 * Text-width estimate for headless rendering. Without a canvas Vega guesses 0.8 em per character,
 * nearly half again the real width of a sans-serif font: titles and legends then reserve far too
 * much room (wide blank margins) and long labels are cut with "…" though they would fit. These
 * per-character advances follow DejaVu Sans, the widest common sans-serif and the usual fallback
 * of SVG viewers on Linux, so the estimate errs on the wide side for Helvetica or Arial too.
 */
const NARROW = new Set(" .,:;'|!ijlI·'`");
const SEMI_NARROW = new Set('()[]{}ftr-/\\"*J');
const WIDE = new Set('mwMW=+<>~%@≈≤≥×−');

/** Width in em of one character (see the note on the table above). */
function advance(char: string): number {
  if (NARROW.has(char)) return 0.32;
  if (SEMI_NARROW.has(char)) return 0.4;
  if (WIDE.has(char)) return 0.86;
  if (char >= 'A' && char <= 'Z') return 0.72;
  // Lower-case Latin, digits, Greek letters and the rest: about 0.62 em in DejaVu Sans.
  return 0.62;
}

/** Estimated width in px of `text` at `fontSize` px; bold DejaVu Sans runs about 12% wider. */
export function estimateTextWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const char of text) em += advance(char);
  // 4% spare: an estimate that runs short would clip text at the right edge of the SVG.
  return em * fontSize * (bold ? 1.12 : 1) * 1.04;
}

/** The parts of a Vega scene item that matter for its text width. */
interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
}

/** Vega's text-metrics hook (exported by vega from vega-scenegraph; not in its type declarations). */
interface TextMetrics {
  width: (item: TextItem, text: unknown) => number;
}

/** Vega's default font size for text with none set. */
const DEFAULT_FONT_SIZE = 11;

/**
 * Point the text measurement of `vega` (the loaded module; see renderSvg for why it is passed in, not
 * imported here) at {@link estimateTextWidth}; idempotent.
 */
export function installTextMetrics(vega: object): void {
  const metrics = (vega as { textMetrics?: TextMetrics }).textMetrics;
  if (metrics === undefined) return;
  metrics.width = (item, text) => {
    const size = item.fontSize === undefined ? DEFAULT_FONT_SIZE : Number(item.fontSize) || 0;
    const weight = item.fontWeight;
    const bold = weight === 'bold' || weight === 'bolder' || (typeof weight === 'number' && weight >= 600);
    // Vega's truncation asks for the width of the text *before* applying the limit; the value is only
    // compared with it, so no limit handling is needed here.
    return estimateTextWidth(text === null || text === undefined ? '' : String(text).trim(), size, bold);
  };
}
