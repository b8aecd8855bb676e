/**
 * The figures of `rlvr compare`: held-out accuracy against steps and against sampled responses (paper
 * Fig. 1: one line per weighting, the mean over seeds, with the min–max band), solid for asymmetric
 * (h(ρ) ≠ h(1−ρ): Linear-R, Sqrt-R, Plateau-R) and dashed for symmetric weightings (GRPO, RLOO,
 * Uniform-R, …) as in the paper's Fig. 1 and every figure of the project.
 */
import type { TopLevelSpec } from 'vega-lite';
import { weighting } from '@rlvr/weights';
import { FIGURE_CONFIG, familyEncoding, familyOf, weightingScales } from '../figures/palette.js';
import type { BandPoint } from './aggregate.js';

/** Held-out accuracy (mean line, min–max band over seeds) against `x`, one colour per weighting. */
export function accuracyBandSpec(
  points: readonly BandPoint[],
  x: 'step' | 'sampledResponses',
  title: string,
): TopLevelSpec {
  const names = [...new Set(points.map((p) => p.weighting))];
  const scales = weightingScales(names);
  const rows = points.map((p) => {
    const w = weighting(p.weighting);
    return { ...p, label: w.label, family: familyOf(w) };
  });
  const xEncoding = { field: x, type: 'quantitative' as const, title: x === 'step' ? 'RL step' : 'sampled responses' };
  const color = { field: 'label', type: 'nominal' as const, title: 'weighting', scale: scales.color };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'Held-out pass@1 (greedy): mean over seeds, band = min–max over seeds.' },
    width: 480,
    height: 300,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'area', opacity: 0.15 },
        encoding: { x: xEncoding, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color },
      },
      {
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x: xEncoding,
          y: { field: 'mean', type: 'quantitative', title: 'held-out accuracy' },
          color,
          strokeDash: familyEncoding(),
        },
      },
    ],
    config: FIGURE_CONFIG,
  };
}
