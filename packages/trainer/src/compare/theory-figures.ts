/**
 * The figures of `rlvr compare --task choice`: the mean exact ρ of the training prompts against steps
 * and against sampled responses (mean line and min–max band over seeds, solid for asymmetric and dashed
 * for symmetric weightings), with @rlvr/weights' `simulate` at the same setup drawn thin and dotted
 * beside each; and every training prompt's ρ trajectory in one run per weighting.
 */
import type { TopLevelSpec } from 'vega-lite';
import { weighting } from '@rlvr/weights';
import { FIGURE_CONFIG, familyEncoding, familyOf, weightingScales } from '../figures/palette.js';
import type { RhoPoint } from './theory-regime.js';

/** One point of a simulated mean-ρ curve. */
export interface SimulatedPoint {
  weighting: string;
  step: number;
  sampledResponses: number;
  rho: number;
}

/** Measured mean ρ (band over seeds) and the simulated curve, one colour per weighting, against `x`. */
export function rhoTheorySpec(
  measured: readonly RhoPoint[],
  simulated: readonly SimulatedPoint[],
  x: 'step' | 'sampledResponses',
  title: string,
  subtitle: string,
): TopLevelSpec {
  const names = [...new Set(measured.map((p) => p.weighting))];
  const scales = weightingScales(names);
  const label = (name: string) => weighting(name).label;
  const rows = measured.map((p) => ({ ...p, label: label(p.weighting), family: familyOf(weighting(p.weighting)) }));
  const sims = simulated.map((p) => ({ ...p, label: label(p.weighting) }));
  const xEncoding = { field: x, type: 'quantitative' as const, title: x === 'step' ? 'RL step' : 'sampled responses' };
  const color = { field: 'label', type: 'nominal' as const, title: 'weighting', scale: scales.color };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    width: 480,
    height: 300,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'area', opacity: 0.15 },
        encoding: { x: xEncoding, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color },
      },
      {
        data: { values: rows },
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x: xEncoding,
          y: { field: 'mean', type: 'quantitative', title: 'mean ρ of the training prompts' },
          color,
          strokeDash: familyEncoding(),
        },
      },
      {
        data: { values: sims },
        mark: { type: 'line', strokeWidth: 1, strokeDash: [1, 2] },
        encoding: { x: xEncoding, y: { field: 'rho', type: 'quantitative' }, color },
      },
    ],
    config: FIGURE_CONFIG,
  };
}

/** One prompt's ρ at one evaluation of one run. */
export interface PromptRhoPoint {
  weighting: string;
  prompt: number;
  step: number;
  rho: number;
}

/** Every training prompt's ρ against steps, one panel per weighting (one run each). */
export function promptTrajectoriesSpec(points: readonly PromptRhoPoint[], title: string): TopLevelSpec {
  const names = [...new Set(points.map((p) => p.weighting))];
  const scales = weightingScales(names);
  const rows = points.map((p) => ({ ...p, label: weighting(p.weighting).label }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: title,
      subtitle: 'One line per training prompt (exact ρ at each evaluation), one run per weighting.',
    },
    data: { values: rows },
    facet: { field: 'label', type: 'nominal', title: null, sort: scales.color.domain },
    columns: 3,
    spec: {
      width: 200,
      height: 140,
      mark: { type: 'line', strokeWidth: 0.8, opacity: 0.5 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'RL step' },
        y: { field: 'rho', type: 'quantitative', title: 'ρ', scale: { domain: [0, 1] } },
        detail: { field: 'prompt', type: 'nominal' },
        color: { field: 'label', type: 'nominal', legend: null, scale: scales.color },
      },
    },
    config: FIGURE_CONFIG,
  };
}
