import { WEIGHTING_NAMES, weighting, type Weighting } from '@rlvr/weights';

/**
 * One colour and one point shape per built-in weighting, fixed by its position in WEIGHTING_NAMES,
 * so that a weighting looks the same in every figure even when a figure shows only some of them.
 * Colours: Tableau 10, distinguishable in print and for the common colour-vision deficiencies.
 */
const COLOURS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
const SHAPES = [
  'circle',
  'square',
  'triangle-up',
  'cross',
  'diamond',
  'triangle-down',
  'triangle-right',
  'triangle-left',
  'wedge',
  'stroke',
];

/** Encoding scales (domain = display labels) for colour and shape, for the given weighting names. */
export function weightingScales(names: readonly string[]): {
  color: { domain: string[]; range: string[] };
  shape: { domain: string[]; range: string[] };
} {
  const domain = names.map((name) => weighting(name).label);
  const slot = (name: string): number => {
    const index = (WEIGHTING_NAMES as readonly string[]).indexOf(name);
    return index >= 0 ? index : 0;
  };
  return {
    color: { domain, range: names.map((name) => COLOURS[slot(name) % COLOURS.length]!) },
    shape: { domain, range: names.map((name) => SHAPES[slot(name) % SHAPES.length]!) },
  };
}

/** Shared look of every figure: white background, readable font sizes, legend titled "weighting". */
export const FIGURE_CONFIG = {
  background: 'white',
  padding: 10,
  font: 'sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridOpacity: 0.5 },
  // labelLimit: the family labels ("asymmetric: h(ρ) ≠ h(1−ρ)") are longer than Vega's 160 px default.
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start' as const, subtitleColor: '#555' },
  header: { labelFontSize: 12, titleFontSize: 12 },
} as const;

const ASYMMETRIC = 'asymmetric: h(ρ) ≠ h(1−ρ)';
const SYMMETRIC = 'symmetric: h(ρ) = h(1−ρ)';

/**
 * Legend text of a weighting's family in the paper's sense: symmetric when h(ρ) = h(1−ρ) (GRPO, RLOO,
 * Uniform-R), whether or not it is silent at ρ̂ = 0.
 */
export function familyOf(rule: Pick<Weighting, 'mirrorSymmetric'>): string {
  return rule.mirrorSymmetric ? SYMMETRIC : ASYMMETRIC;
}

/**
 * Solid lines for asymmetric weightings (Linear-R, Sqrt-R, Plateau-R), dashed for symmetric ones
 * (GRPO, RLOO, Uniform-R, …): the paper's split in its Fig. 1.
 */
export function familyEncoding() {
  return {
    field: 'family',
    type: 'nominal' as const,
    title: 'family',
    scale: {
      domain: [ASYMMETRIC, SYMMETRIC],
      range: [
        [1, 0],
        [6, 3],
      ],
    },
  };
}
