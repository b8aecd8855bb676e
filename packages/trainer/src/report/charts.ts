/**
 * The Vega-Lite specs of the run report, each built from plain data rows so that tests can check
 * the numbers a chart shows without rendering it: learning curves (accuracy and reward against
 * steps and against sampled responses, every run overlaid), the ρ̂ histogram over steps as a
 * heatmap (paper Fig. 3), the time per phase, and the evaluation curves.
 */
import type { TopLevelSpec } from 'vega-lite';
import { FIGURE_CONFIG } from '../figures/palette.js';
import { PHASE_NAMES } from '../metrics/records.js';
import type { RunData } from './load-run.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 420;
const HEIGHT = 260;

/** One point of a learning curve. */
export interface CurveRow {
  run: string;
  step: number;
  sampledResponses: number;
  value: number;
}

/** The learning-curve points of `metric` for every run. */
export function curveRows(runs: readonly RunData[], metric: 'accuracy' | 'rewardMean'): CurveRow[] {
  return runs.flatMap((run) =>
    run.steps.map((s) => ({ run: run.label, step: s.step, sampledResponses: s.sampledResponses, value: s[metric] })),
  );
}

function runColor(runs: readonly RunData[]) {
  return { field: 'run', type: 'nominal' as const, title: 'run', scale: { domain: runs.map((r) => r.label) } };
}

/** `metric` against steps (left) and against sampled responses (right), every run overlaid. */
export function learningCurveSpec(runs: readonly RunData[], metric: 'accuracy' | 'rewardMean'): TopLevelSpec {
  const title = metric === 'accuracy' ? 'accuracy' : 'mean reward';
  const panel = (x: 'step' | 'sampledResponses', xTitle: string) => ({
    width: WIDTH,
    height: HEIGHT,
    mark: { type: 'line' as const, strokeWidth: 1.8, interpolate: 'linear' as const },
    encoding: {
      x: { field: x, type: 'quantitative' as const, title: xTitle },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title,
        ...(metric === 'accuracy' ? { scale: { domain: [0, 1] } } : {}),
      },
      color: runColor(runs),
    },
  });
  return {
    $schema: SCHEMA,
    title: {
      text: `Training ${title}`,
      subtitle: 'Per step (left) and per sampled response, the paper’s effective time (right).',
    },
    data: { values: curveRows(runs, metric) },
    hconcat: [panel('step', 'step'), panel('sampledResponses', 'sampled responses')],
    config: FIGURE_CONFIG,
  };
}

/** One cell of the ρ̂ heatmap. */
export interface HeatmapRow {
  step: number;
  stepEnd: number;
  /** k, the number of correct responses of the group. */
  k: number;
  /** `k/M` as shown on the axis. */
  label: string;
  /** Share of the step's groups with exactly k correct. */
  share: number;
}

/** The heatmap cells of one run: for each step and k, the share of groups with k of M correct. */
export function heatmapRows(run: RunData): HeatmapRow[] {
  return run.steps.flatMap((s) => {
    const groups = s.rhoHistogram.reduce((a, b) => a + b, 0);
    const m = s.rhoHistogram.length - 1;
    return s.rhoHistogram.map((count, k) => ({
      step: s.step - 0.5,
      stepEnd: s.step + 0.5,
      k,
      label: `${k}/${m}`,
      share: groups === 0 ? 0 : count / groups,
    }));
  });
}

/** Paper Fig. 3 for one run: the share of groups with k of M correct at each step. */
export function rhoHeatmapSpec(run: RunData): TopLevelSpec {
  const rows = heatmapRows(run);
  const labels = [...new Set(rows.map((r) => r.label))].sort(
    (a, b) => Number(b.split('/')[0]) - Number(a.split('/')[0]),
  );
  return {
    $schema: SCHEMA,
    title: {
      text: `ρ̂ histogram over steps: ${run.label}`,
      subtitle: 'Share of prompts whose group had k of M responses correct (ρ̂ = k/M), per step.',
    },
    width: WIDTH * 2,
    height: Math.max(120, 18 * labels.length),
    data: { values: rows },
    mark: { type: 'rect' },
    encoding: {
      // No grid: grid lines drawn over the cells would read as data.
      x: {
        field: 'step',
        type: 'quantitative',
        title: 'step',
        scale: { nice: false, zero: false },
        axis: { grid: false, tickMinStep: 1, format: 'd' },
      },
      x2: { field: 'stepEnd' },
      y: { field: 'label', type: 'ordinal', title: 'k/M correct', sort: labels, axis: { grid: false } },
      color: {
        field: 'share',
        type: 'quantitative',
        title: 'share of prompts',
        scale: { scheme: 'viridis', domain: [0, 1] },
      },
    },
    config: FIGURE_CONFIG,
  };
}

/** One bar segment of the time breakdown. */
export interface PhaseRow {
  run: string;
  phase: string;
  /** Mean seconds per step spent in the phase. */
  seconds: number;
  /** Share of the step's time. */
  share: number;
}

/** Mean seconds per step of each phase, per run. */
export function phaseRows(runs: readonly RunData[]): PhaseRow[] {
  return runs.flatMap((run) => {
    const n = run.steps.length;
    if (n === 0) return [];
    const means = PHASE_NAMES.map((phase) => run.steps.reduce((sum, s) => sum + s.phaseSeconds[phase], 0) / n);
    const total = means.reduce((a, b) => a + b, 0);
    return PHASE_NAMES.map((phase, i) => ({
      run: run.label,
      phase,
      seconds: means[i]!,
      share: total === 0 ? 0 : means[i]! / total,
    }));
  });
}

/** Stacked bars: where the time of a step goes, per run. */
export function phaseTimeSpec(runs: readonly RunData[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: { text: 'Time per step by phase', subtitle: 'Mean wall time of each phase over the run’s steps.' },
    width: WIDTH * 2,
    height: Math.max(60, 28 * runs.length),
    data: { values: phaseRows(runs) },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'run', type: 'nominal', title: null, sort: runs.map((r) => r.label) },
      x: { field: 'seconds', type: 'quantitative', title: 'seconds per step', stack: 'zero' },
      color: { field: 'phase', type: 'nominal', title: 'phase', scale: { domain: [...PHASE_NAMES] } },
      order: { field: 'phaseOrder', type: 'quantitative' },
    },
    transform: [{ calculate: `indexof(${JSON.stringify(PHASE_NAMES)}, datum.phase)`, as: 'phaseOrder' }],
    config: FIGURE_CONFIG,
  };
}

/** One point of an evaluation curve. */
export interface EvalRow {
  run: string;
  step: number;
  measure: string;
  value: number;
}

/**
 * Evaluation points: pass@1 (greedy), mean accuracy over n samples, and each pass@k with k > 1 (the
 * unbiased pass@1 is c/n per prompt, the mean accuracy itself, so it is not drawn twice).
 */
export function evalRows(runs: readonly RunData[]): EvalRow[] {
  return runs.flatMap((run) =>
    run.evals.flatMap((e) => [
      { run: run.label, step: e.step, measure: 'pass@1 (greedy)', value: e.pass1Greedy },
      { run: run.label, step: e.step, measure: `mean@${e.samples} = pass@1`, value: e.meanAccuracy },
      ...Object.entries(e.passAtK)
        .filter(([k]) => k !== '1')
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([k, value]) => ({ run: run.label, step: e.step, measure: `pass@${k}`, value })),
    ]),
  );
}

/** Held-out evaluation against steps: one panel per measure, every run overlaid. */
export function evalSpec(runs: readonly RunData[]): TopLevelSpec {
  const rows = evalRows(runs);
  return {
    $schema: SCHEMA,
    title: {
      text: 'Held-out evaluation',
      subtitle: 'pass@1 of the greedy response, mean accuracy over n samples, and unbiased pass@k.',
    },
    data: { values: rows },
    // Panels in the order the rows name them (greedy, mean@n, pass@k by k), not alphabetically.
    facet: { field: 'measure', type: 'nominal', title: null, sort: [...new Set(rows.map((r) => r.measure))] },
    columns: 3,
    spec: {
      width: 260,
      height: 180,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] } },
        color: runColor(runs),
      },
    },
    // Each panel its own x axis: shared ones are drawn under every column, empty cells of the last row included.
    resolve: { axis: { x: 'independent' } },
    config: FIGURE_CONFIG,
  };
}
