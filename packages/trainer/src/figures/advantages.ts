import { advantagePoints, weighting } from '@rlvr/weights';
import type { TopLevelSpec } from 'vega-lite';
import { FIGURE_CONFIG, familyEncoding, familyOf, weightingScales } from './palette.js';

const CORRECT = 'correct response (r = 1)';
const WRONG = 'wrong response (r = 0)';

/**
 * Vega-Lite spec: the advantage of a correct and of a wrong response against ρ̂ = k/M, k = 0 … M,
 * one panel each. A point exists only where such a response does (no correct one at k = 0, no wrong
 * one at k = M); the endpoints show each weighting's own zero-variance limit.
 */
export function advantagesSpec(names: readonly string[], groupSize: number): TopLevelSpec {
  const rules = names.map((name) => weighting(name));
  const families = new Map(rules.map((rule) => [rule.name, familyOf(rule)]));
  const scales = weightingScales(names);
  const values = advantagePoints(rules, groupSize).flatMap((point) => {
    const common = {
      label: point.label,
      rho: point.rho,
      successes: point.successes,
      family: families.get(point.weighting)!,
    };
    const rows = [];
    if (point.correct !== null) rows.push({ ...common, response: CORRECT, advantage: point.correct });
    if (point.wrong !== null) rows.push({ ...common, response: WRONG, advantage: point.wrong });
    return rows;
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Advantage of a correct and of a wrong response',
      subtitle: `A = ω(ρ̂)·(r − ρ̂) in a group with k of M = ${groupSize} correct, ρ̂ = k/M; at k = 0 and k = M each weighting's own limit`,
    },
    data: { values },
    facet: {
      column: {
        field: 'response',
        type: 'nominal',
        title: null,
        sort: [CORRECT, WRONG],
        header: { labelFontSize: 13, labelFontWeight: 'bold' },
      },
    },
    spec: {
      width: 330,
      height: 300,
      encoding: {
        x: {
          field: 'rho',
          type: 'quantitative',
          title: 'success rate ρ̂ of the group (k/M)',
          scale: { domain: [0, 1] },
        },
        y: { field: 'advantage', type: 'quantitative', title: 'advantage A' },
        color: { field: 'label', type: 'nominal', title: 'weighting', scale: scales.color, sort: scales.color.domain },
      },
      layer: [
        { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { strokeDash: familyEncoding() } },
        {
          mark: { type: 'point', filled: true, size: 30, opacity: 1 },
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
    },
    // Correct-response advantages reach M (Uniform-R at k = 1) while wrong ones stay near −1 for
    // most weightings: one shared axis would flatten the wrong panel.
    resolve: { scale: { y: 'independent' } },
    config: FIGURE_CONFIG,
  };
}
