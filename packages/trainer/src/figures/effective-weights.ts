import { effectiveWeightPoints, weighting } from '@rlvr/weights';
import type { TopLevelSpec } from 'vega-lite';
import { FIGURE_CONFIG, familyEncoding, familyOf, weightingScales } from './palette.js';

/** Vega-Lite spec of paper Fig. 2: h(ρ̂) of each weighting at ρ̂ = k/M, k = 1 … M−1, points joined by lines. */
export function effectiveWeightsSpec(names: readonly string[], groupSize: number): TopLevelSpec {
  const rules = names.map((name) => weighting(name));
  const scales = weightingScales(names);
  const values = effectiveWeightPoints(rules, groupSize).map((point, index) => ({
    ...point,
    family: familyOf(rules[Math.floor(index / (groupSize - 1))]!),
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Effective weight h(ρ̂) of each prompt weighting',
      subtitle: [
        `h(ρ̂) = ω(ρ̂)·ρ̂(1−ρ̂) at ρ̂ = k/M, k = 1 … M−1, group size M = ${groupSize}.`,
        'Dr. GRPO coincides with REINFORCE; Plateau-R with Uniform-R up to its threshold τ = 0.5.',
      ],
    },
    width: 520,
    height: 340,
    data: { values },
    encoding: {
      x: { field: 'rho', type: 'quantitative', title: 'success rate ρ̂ of the group (k/M)', scale: { domain: [0, 1] } },
      y: { field: 'effectiveWeight', type: 'quantitative', title: 'effective weight h(ρ̂)' },
      color: { field: 'label', type: 'nominal', title: 'weighting', scale: scales.color, sort: scales.color.domain },
    },
    layer: [
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { strokeDash: familyEncoding() } },
      {
        mark: { type: 'point', filled: true, size: 45, opacity: 1 },
        encoding: {
          shape: {
            field: 'label',
            type: 'nominal',
            title: 'weighting',
            scale: scales.shape,
            sort: scales.shape.domain,
          },
        },
      },
    ],
    config: FIGURE_CONFIG,
  };
}
