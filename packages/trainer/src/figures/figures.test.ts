import { WEIGHTING_NAMES, theoryRow, weighting } from '@rlvr/weights';
import type { TopLevelSpec } from 'vega-lite';
import { accuracyBandSpec } from '../compare/figures.js';
import { parseSvgStructure } from '../testing/svg-structure.js';
import { advantagesSpec } from './advantages.js';
import { effectiveWeightsSpec } from './effective-weights.js';
import { weightingScales } from './palette.js';
import { renderSvg } from './render-svg.js';
import { simulationSpec } from './simulation.js';
import { estimateTextWidth } from './text-width.js';
import { trajectoriesSpec } from './trajectories.js';

type Row = Record<string, unknown>;

/** The inline data rows of a spec (top level, or of each concatenated panel's layers). */
function rows(spec: TopLevelSpec): Row[] {
  const data = (spec as { data?: { values?: Row[] } }).data;
  return data?.values ?? [];
}

describe('figure specs', () => {
  test('effective weights: one point per weighting and k = 1 … M−1, with h(k/M)', () => {
    const values = rows(effectiveWeightsSpec(WEIGHTING_NAMES, 16));
    expect(values).toHaveLength(WEIGHTING_NAMES.length * 15);
    const linear = values.filter((row) => row.weighting === 'linear-r');
    expect(linear.map((row) => row.effectiveWeight)).toEqual(Array.from({ length: 15 }, (_, i) => 1 - (i + 1) / 16));
  });

  test('advantages: a point only where such a response exists (2M per weighting)', () => {
    const values = rows(advantagesSpec(['linear-r', 'grpo'], 4));
    expect(values).toHaveLength(2 * 2 * 4);
    const linearWrong = values.filter((row) => row.label === 'Linear-R' && String(row.response).startsWith('wrong'));
    // Linear-R: A_wrong = −1 for every k < M, including the unsolved group.
    expect(linearWrong.map((row) => row.successes)).toEqual([0, 1, 2, 3]);
    expect(linearWrong.every((row) => row.advantage === -1)).toBe(true);
    const linearCorrect = values.filter((row) => row.label === 'Linear-R' && String(row.response).startsWith('correct'));
    expect(linearCorrect.map((row) => row.advantage)).toEqual([3, 1, 1 / 3, 0]);
  });

  test('trajectories: each weighting reaches the target at its B·T, on both clocks', () => {
    const spec = trajectoriesSpec(['grpo', 'sqrt-r'], 0.025, 0.8) as { hconcat: { layer: { data?: { values: Row[] } }[] }[] };
    expect(spec.hconcat).toHaveLength(2);
    const [regular, effective] = spec.hconcat.map((panel) => panel.layer[2]!.data!.values);
    const grpo = theoryRow(weighting('grpo'), 0.025, 0.8);
    const sqrt = theoryRow(weighting('sqrt-r'), 0.025, 0.8);
    expect(regular!.map((row) => row.time)).toEqual([grpo.regularCost, sqrt.regularCost]);
    expect(effective!.map((row) => row.time)).toEqual([grpo.effectiveCost, sqrt.effectiveCost]);
    // The curve itself crosses the target close to its marker (RK4 on a 121-point grid).
    const curve = spec.hconcat[0]!.layer[0]!.data!.values.filter((row) => row.label === 'GRPO');
    const crossing = curve.find((row) => (row.rho as number) >= 0.8)!;
    expect(crossing.time as number).toBeGreaterThan(grpo.regularCost);
    expect(crossing.time as number).toBeLessThan(grpo.regularCost * 1.02);
  });

  test('simulation: one curve per weighting from the start accuracy, accuracy rising', () => {
    const values = rows(simulationSpec({ names: ['linear-r', 'grpo'], initialAccuracy: 0.1, groupSize: 8, prompts: 32, steps: 20 }));
    expect(values).toHaveLength(2 * 21);
    const linear = values.filter((row) => row.label === 'Linear-R');
    expect(linear[0]).toMatchObject({ step: 0, responsesPerPrompt: 0 });
    expect(linear.at(-1)!.accuracy as number).toBeGreaterThan(linear[0]!.accuracy as number);
    // until-success sampling spends at least one group of M per prompt and step.
    expect(linear.at(-1)!.responsesPerPrompt as number).toBeGreaterThanOrEqual(20 * 8);
  });

  test("line style follows the paper's split: solid asymmetric (h(ρ) ≠ h(1−ρ)), dashed symmetric, Uniform-R symmetric", () => {
    const families = (values: Row[]) => Object.fromEntries(values.map((row) => [row.label, row.family]));
    const expected = {
      GRPO: 'symmetric: h(ρ) = h(1−ρ)',
      RLOO: 'symmetric: h(ρ) = h(1−ρ)',
      'Dr. GRPO': 'symmetric: h(ρ) = h(1−ρ)',
      REINFORCE: 'symmetric: h(ρ) = h(1−ρ)',
      'Uniform-R': 'symmetric: h(ρ) = h(1−ρ)',
      'Linear-R': 'asymmetric: h(ρ) ≠ h(1−ρ)',
      'Sqrt-R': 'asymmetric: h(ρ) ≠ h(1−ρ)',
      'Plateau-R': 'asymmetric: h(ρ) ≠ h(1−ρ)',
      'Cost-aware': 'asymmetric: h(ρ) ≠ h(1−ρ)',
    };
    expect(families(rows(effectiveWeightsSpec(WEIGHTING_NAMES, 8)))).toEqual(expected);
    expect(families(rows(advantagesSpec(WEIGHTING_NAMES, 4)))).toEqual(expected);
    const simulation = rows(simulationSpec({ names: ['uniform-r', 'linear-r'], initialAccuracy: 0.1, groupSize: 4, prompts: 4, steps: 1 }));
    expect(families(simulation)).toEqual({ 'Uniform-R': expected['Uniform-R'], 'Linear-R': expected['Linear-R'] });
    const trajectories = trajectoriesSpec(['uniform-r', 'plateau-r'], 0.1, 0.5) as { hconcat: { layer: { data?: { values: Row[] } }[] }[] };
    expect(families(trajectories.hconcat[0]!.layer[0]!.data!.values)).toEqual({ 'Uniform-R': expected['Uniform-R'], 'Plateau-R': expected['Plateau-R'] });
    // The scale's domain lists both labels: solid [1, 0] for asymmetric, dashed for symmetric.
    const { strokeDash } = (effectiveWeightsSpec(['grpo'], 4) as { layer: { encoding: { strokeDash?: { scale: { domain: string[]; range: number[][] } } } }[] }).layer[0]!.encoding;
    expect(strokeDash!.scale.domain).toEqual([expected['Linear-R'], expected.GRPO]);
    expect(strokeDash!.scale.range[0]).toEqual([1, 0]);
  });

  test('compare figures use the same split', () => {
    const band = (weighting: string) => ({ weighting, step: 1, sampledResponses: 8, mean: 0.5, min: 0.4, max: 0.6 });
    const spec = accuracyBandSpec([band('uniform-r'), band('sqrt-r')], 'step', 'accuracy');
    const values = (spec as { data: { values: Row[] } }).data.values;
    expect(Object.fromEntries(values.map((row) => [row.label, row.family]))).toEqual({ 'Uniform-R': 'symmetric: h(ρ) = h(1−ρ)', 'Sqrt-R': 'asymmetric: h(ρ) ≠ h(1−ρ)' });
  });

  test('a weighting keeps its colour when a figure shows only some weightings', () => {
    const all = weightingScales(WEIGHTING_NAMES);
    const some = weightingScales(['sqrt-r', 'grpo']);
    expect(some.color.range).toEqual([all.color.range[5], all.color.range[0]]);
    expect(new Set(all.color.range).size).toBe(WEIGHTING_NAMES.length);
    expect(new Set(all.shape.range).size).toBe(WEIGHTING_NAMES.length);
  });
});

describe('renderSvg', () => {
  test('renders a spec headless to a well-formed SVG with axis titles and legend', async () => {
    const svg = await renderSvg(effectiveWeightsSpec(['grpo', 'sqrt-r'], 4));
    const structure = parseSvgStructure(svg);
    expect(structure.root).toBe('svg');
    for (const text of ['GRPO', 'Sqrt-R', 'weighting', 'success rate ρ̂ of the group (k/M)', 'effective weight h(ρ̂)', 'symmetric: h(ρ) = h(1−ρ)', 'asymmetric: h(ρ) ≠ h(1−ρ)']) {
      expect(structure.texts).toContain(text);
    }
    // No label was cut short with an ellipsis.
    expect(structure.texts.filter((text) => text.endsWith('…'))).toEqual([]);
  });

  test('text widths are estimated per character, near a real sans-serif font', () => {
    // DejaVu Sans at 10 px: "mmmm" ≈ 39 px, "iiii" ≈ 11 px; Vega's fallback guesses 32 px for both.
    expect(estimateTextWidth('mmmm', 10)).toBeGreaterThan(35);
    expect(estimateTextWidth('iiii', 10)).toBeLessThan(15);
    expect(estimateTextWidth('Sqrt-R', 10, true)).toBeGreaterThan(estimateTextWidth('Sqrt-R', 10));
  });
});
