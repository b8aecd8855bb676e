import { timeToTarget, trajectory, updateBudget, weighting } from '@rlvr/weights';
import type { TopLevelSpec } from 'vega-lite';
import { FIGURE_CONFIG, familyEncoding, familyOf, weightingScales } from './palette.js';

/** Samples per curve: smooth at the figure's width, small enough to keep the SVG light. */
const POINTS = 121;
/** Room after the slowest weighting reaches the target, so its arrival marker is not on the frame. */
const HORIZON = 1.08;

const CLOCKS = [
  { clock: 'regular', title: 'Regular time: updates', axis: 'budget-normalised regular time B·t' },
  { clock: 'effective', title: 'Effective time: sampled responses', axis: 'budget-normalised effective time B·τ' },
] as const;

/**
 * Vega-Lite spec: ρ(t) from ρ₀ under each weighting on the regular and on the effective clock (two
 * panels). Time is multiplied by each weighting's update budget B so that all of them spend the same
 * budget, the paper's comparison: a curve then reaches the target at exactly B·T, the theory table's
 * cost, and the order in which curves cross the dashed target line is the ranking on that clock.
 */
export function trajectoriesSpec(names: readonly string[], rho0: number, target: number): TopLevelSpec {
  const rules = names.map((name) => weighting(name));
  const scales = weightingScales(names);
  const panels = CLOCKS.map(({ clock, title, axis }) => {
    const budgets = rules.map((rule) => updateBudget(rule, rho0, target));
    const costs = rules.map((rule, i) => budgets[i]! * timeToTarget(rule, rho0, target, clock));
    const finite = costs.filter((cost) => Number.isFinite(cost));
    const horizon = HORIZON * (finite.length > 0 ? Math.max(...finite) : 1);
    const curves = rules.flatMap((rule, i) => {
      const budget = budgets[i]!;
      const path = trajectory(rule, rho0, { clock, duration: horizon / budget, points: POINTS });
      return Array.from(path.rho, (rho, p) => ({
        label: rule.label,
        family: familyOf(rule),
        time: path.time[p]! * budget,
        rho,
      }));
    });
    const arrivals = rules
      .map((rule, i) => ({ label: rule.label, time: costs[i]!, rho: target }))
      .filter((arrival) => Number.isFinite(arrival.time));
    return {
      title: { text: title, fontSize: 13 },
      width: 360,
      height: 300,
      layer: [
        {
          data: { values: curves },
          mark: { type: 'line' as const, strokeWidth: 2 },
          encoding: {
            x: {
              field: 'time',
              type: 'quantitative' as const,
              title: axis,
              scale: { domain: [0, horizon], nice: false },
            },
            y: {
              field: 'rho',
              type: 'quantitative' as const,
              title: 'success probability ρ',
              scale: { domain: [0, 1] },
            },
            color: {
              field: 'label',
              type: 'nominal' as const,
              title: 'weighting',
              scale: scales.color,
              sort: scales.color.domain,
            },
            strokeDash: familyEncoding(),
          },
        },
        {
          // A one-row data set of its own: without one the rule would inherit nothing to draw.
          data: { values: [{}] },
          mark: { type: 'rule' as const, color: '#555', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { y: { datum: target, type: 'quantitative' as const } },
        },
        {
          data: { values: arrivals },
          mark: { type: 'point' as const, filled: true, size: 60, opacity: 1 },
          encoding: {
            x: { field: 'time', type: 'quantitative' as const },
            y: { field: 'rho', type: 'quantitative' as const },
            color: {
              field: 'label',
              type: 'nominal' as const,
              title: 'weighting',
              scale: scales.color,
              sort: scales.color.domain,
            },
            shape: {
              field: 'label',
              type: 'nominal' as const,
              title: 'weighting',
              scale: scales.shape,
              sort: scales.shape.domain,
            },
          },
        },
      ],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Policy dynamics dρ/dt = h(ρ) from ρ₀ = ${rho0} at equal update budget`,
      subtitle: `dashed line: target ${target}; markers: arrival at the target, at B·T (the \`rlvr theory\` cost). RLOO, Dr. GRPO and REINFORCE coincide (M → ∞).`,
    },
    hconcat: panels,
    resolve: { scale: { x: 'independent' } },
    config: FIGURE_CONFIG,
  };
}
