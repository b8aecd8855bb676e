/**
 * The training-dynamics charts of the report (loss, KL, entropy, gradient norm, clip fractions,
 * completion length, truncation, learning rate, reward functions, logprob gap), each drawing every
 * field of the step records whose path it matches, so that a field added later (a clip fraction per
 * side, the gradient norm after clipping, `rewards.<name>`) is drawn without a change here. Numbers no
 * chart claims go to one panel grid of their own. Each series is shown raw (faint) and smoothed with
 * TensorBoard's debiased exponential moving average.
 */
import type { TopLevelSpec } from 'vega-lite';
import { FIGURE_CONFIG } from '../figures/palette.js';
import { numericFields } from '../metrics/numeric-fields.js';
import type { RunData } from './load-run.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** TensorBoard's default smoothing weight. */
export const DEFAULT_SMOOTHING = 0.6;

/** A chart of the step fields whose path matches. */
export interface MetricChart {
  heading: string;
  /** The y axis title. */
  unit: string;
  matches: (path: string) => boolean;
}

const startsWith =
  (...prefixes: string[]) =>
  (path: string): boolean =>
    prefixes.some((p) => path === p || path.startsWith(p));

/** The charts in page order. */
export const METRIC_CHARTS: readonly MetricChart[] = [
  { heading: 'Loss', unit: 'policy loss', matches: (p) => /^loss([A-Z.]|$)/.test(p) },
  { heading: 'KL to the reference', unit: 'KL per token (nats)', matches: (p) => /^kl([A-Z.]|$)/.test(p) },
  { heading: 'Entropy', unit: 'entropy per token (nats)', matches: startsWith('entropy') },
  { heading: 'Gradient norm', unit: 'global gradient norm', matches: startsWith('gradNorm') },
  // clipFraction, clipLowFraction, clipHighFraction, clipRegionFraction, clipRatio…
  { heading: 'Clip fractions', unit: 'share clipped', matches: (p) => /^clip\w*(Fraction|Ratio)/.test(p) },
  { heading: 'Completion length', unit: 'tokens', matches: startsWith('responseLength', 'completionLength') },
  { heading: 'Truncated completions', unit: 'share of responses', matches: (p) => /^truncat/i.test(p) },
  { heading: 'Learning rate', unit: 'learning rate', matches: startsWith('learningRate') },
  { heading: 'Rewards by function', unit: 'mean reward', matches: startsWith('rewards.') },
  { heading: 'Sampler–trainer logprob gap', unit: 'nats', matches: startsWith('logprobGap') },
];

/** Step fields drawn by the report's other charts (learning curves, ρ̂ heatmap, time per phase) or the x axes. */
const CHARTED_ELSEWHERE = startsWith(
  'accuracy',
  'rewardMean',
  'rhoHistogram.',
  'phaseSeconds.',
  'sampledResponses',
  'elapsedSeconds',
);

/**
 * TensorBoard's smoothing: an exponential moving average with weight `weight` on the past, divided
 * by 1 − weight^n so that the first points are not pulled towards 0.
 */
export function debiasedEma(values: readonly number[], weight: number): number[] {
  let last = 0;
  return values.map((value, i) => {
    last = last * weight + (1 - weight) * value;
    return weight === 1 ? value : last / (1 - weight ** (i + 1));
  });
}

/** One point of a metric chart. */
export interface MetricRow {
  run: string;
  field: string;
  /** Legend entry: the run, the field, or both when the chart has several of each. */
  series: string;
  step: number;
  value: number;
  smoothed: number;
}

/** Every numeric step field of the runs, by path, in first-seen order. */
export function stepFieldPaths(runs: readonly RunData[]): string[] {
  const paths = new Set<string>();
  for (const run of runs) for (const step of run.steps) for (const f of numericFields(step)) paths.add(f.path);
  return [...paths];
}

/** The paths of `chart` among `paths`. */
export function chartPaths(chart: MetricChart, paths: readonly string[]): string[] {
  return paths.filter((path) => chart.matches(path));
}

/** Each step's numbers by path, per run. */
function fieldTables(runs: readonly RunData[]): { step: number; fields: Map<string, number> }[][] {
  return runs.map((run) =>
    run.steps.map((s) => ({ step: s.step, fields: new Map(numericFields(s).map((f) => [f.path, f.value])) })),
  );
}

/** The points of the fields `paths` for every run, smoothed per run and field. */
export function metricRows(
  runs: readonly RunData[],
  paths: readonly string[],
  smoothing = DEFAULT_SMOOTHING,
): MetricRow[] {
  const tables = fieldTables(runs);
  const present = paths.map((path) => ({
    path,
    runs: runs.flatMap((run, r) => (tables[r]!.some((t) => t.fields.has(path)) ? [r] : [])),
  }));
  const severalRuns = new Set(present.flatMap((p) => p.runs)).size > 1;
  const severalFields = present.filter((p) => p.runs.length > 0).length > 1;
  return present.flatMap(({ path, runs: withField }) =>
    withField.flatMap((r) => {
      const label = runs[r]!.label;
      const points = tables[r]!.flatMap((t) =>
        t.fields.has(path) ? [{ step: t.step, value: t.fields.get(path)! }] : [],
      );
      const smoothed = debiasedEma(
        points.map((p) => p.value),
        smoothing,
      );
      const series = severalRuns && severalFields ? `${label}: ${path}` : severalFields ? path : label;
      return points.map((p, i) => ({ run: label, field: path, series, ...p, smoothed: smoothed[i]! }));
    }),
  );
}

/** Raw values faint, the smoothed curve over them, one colour per series. */
function smoothedLayers(rows: readonly MetricRow[], unit: string | null, by: 'series' | 'run' = 'series') {
  const color = {
    field: by,
    type: 'nominal' as const,
    title: null,
    scale: { domain: [...new Set(rows.map((r) => r[by]))] },
    // The legend in the smoothed lines' full colour, not the raw layer's faint one.
    legend: { symbolOpacity: 1, symbolStrokeWidth: 2 },
  };
  const x = { field: 'step', type: 'quantitative' as const, title: 'step', axis: { tickMinStep: 1, format: 'd' } };
  return [
    {
      mark: { type: 'line' as const, strokeWidth: 1, opacity: 0.3 },
      encoding: { x, y: { field: 'value', type: 'quantitative' as const, title: unit }, color },
    },
    {
      mark: { type: 'line' as const, strokeWidth: 1.8 },
      encoding: { x, y: { field: 'smoothed', type: 'quantitative' as const, title: unit }, color },
    },
  ];
}

/** One metric chart of `rows` (see {@link metricRows}). */
export function metricChartSpec(
  chart: MetricChart,
  rows: readonly MetricRow[],
  smoothing = DEFAULT_SMOOTHING,
): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: {
      text: chart.heading,
      subtitle: `Per step: raw (faint) and smoothed (exponential moving average, weight ${smoothing}).`,
    },
    width: 840,
    height: 220,
    data: { values: rows as MetricRow[] },
    layer: smoothedLayers(rows, chart.unit),
    config: FIGURE_CONFIG,
  };
}

/** The step fields no chart of the report draws (throughput, group counts, fields added since). */
export function otherFieldPaths(runs: readonly RunData[]): string[] {
  return stepFieldPaths(runs).filter((path) => !CHARTED_ELSEWHERE(path) && !METRIC_CHARTS.some((c) => c.matches(path)));
}

/** One small panel per field, each with its own axes (a panel grid with gaps draws no axes under them). */
export function otherMetricsSpec(rows: readonly MetricRow[], smoothing = DEFAULT_SMOOTHING): TopLevelSpec {
  const fields = [...new Set(rows.map((r) => r.field))];
  return {
    $schema: SCHEMA,
    title: {
      text: 'Other step metrics',
      subtitle: `Every other number of the step records: raw (faint) and smoothed (weight ${smoothing}).`,
    },
    data: { values: rows as MetricRow[] },
    facet: { field: 'field', type: 'nominal', title: null, sort: fields },
    columns: 3,
    spec: {
      width: 240,
      height: 140,
      layer: smoothedLayers(rows, null, 'run'),
    },
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
    config: FIGURE_CONFIG,
  };
}
