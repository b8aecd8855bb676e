/** `rlvr report`: run directories → one self-contained HTML page with the charts of every run. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { renderSvg } from '../figures/render-svg.js';
import { evalSpec, learningCurveSpec, phaseTimeSpec, rhoHeatmapSpec } from './charts.js';
import {
  DEFAULT_SMOOTHING,
  METRIC_CHARTS,
  chartPaths,
  metricChartSpec,
  metricRows,
  otherFieldPaths,
  otherMetricsSpec,
  stepFieldPaths,
} from './metric-charts.js';
import { reportHtml, type ReportChart } from './html.js';
import { ReportError, loadRuns, type RunData } from './load-run.js';

/** Options of {@link buildReport} and {@link writeReport}. */
export interface ReportOptions {
  /** The line under the title; default "Generated <ISO time> from N runs." */
  generated?: string;
  /** Weight of the moving average over the training metrics, in [0, 1) (default {@link DEFAULT_SMOOTHING}). */
  smoothing?: number;
}

/** The charts of the report, rendered to SVG, in page order (charts without data are left out). */
export async function reportCharts(runs: readonly RunData[], smoothing = DEFAULT_SMOOTHING): Promise<ReportChart[]> {
  const charts: ReportChart[] = [
    { heading: 'Accuracy', svg: await renderSvg(learningCurveSpec(runs, 'accuracy')) },
    { heading: 'Reward', svg: await renderSvg(learningCurveSpec(runs, 'rewardMean')) },
  ];
  if (runs.some((r) => r.evals.length > 0)) {
    charts.push({ heading: 'Evaluation', svg: await renderSvg(evalSpec(runs)) });
  }
  const paths = stepFieldPaths(runs);
  for (const chart of METRIC_CHARTS) {
    const rows = metricRows(runs, chartPaths(chart, paths), smoothing);
    if (rows.length > 0) {
      charts.push({ heading: chart.heading, svg: await renderSvg(metricChartSpec(chart, rows, smoothing)) });
    }
  }
  const others = metricRows(runs, otherFieldPaths(runs), smoothing);
  if (others.length > 0) {
    charts.push({ heading: 'Other step metrics', svg: await renderSvg(otherMetricsSpec(others, smoothing)) });
  }
  for (const run of runs) {
    if (run.steps.length > 0) {
      charts.push({ heading: `ρ̂ histogram: ${run.label}`, svg: await renderSvg(rhoHeatmapSpec(run)) });
    }
  }
  charts.push({ heading: 'Time per phase', svg: await renderSvg(phaseTimeSpec(runs)) });
  return charts;
}

/** The report page of the given run directories. */
export async function buildReport(runDirs: readonly string[], options: ReportOptions = {}): Promise<string> {
  if (runDirs.length === 0) throw new ReportError('(no runs)', 'expected at least one run directory');
  const runs = await loadRuns(runDirs);
  const generated =
    options.generated ??
    `Generated ${new Date().toISOString()} from ${runs.length} run${runs.length === 1 ? '' : 's'}.`;
  return reportHtml(runs, await reportCharts(runs, options.smoothing), generated);
}

/** Build the report and write it to `out` (parent folders created); returns `out`. */
export async function writeReport(
  runDirs: readonly string[],
  out: string,
  options: ReportOptions = {},
): Promise<string> {
  const html = await buildReport(runDirs, options);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, html);
  return out;
}
