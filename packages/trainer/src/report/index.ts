/** The run report: metrics of one or more runs → one self-contained HTML page with SVG charts. */
export { ReportError, loadRun, loadRuns, type RunData } from './load-run.js';
export {
  curveRows,
  evalRows,
  evalSpec,
  heatmapRows,
  learningCurveSpec,
  phaseRows,
  phaseTimeSpec,
  rhoHeatmapSpec,
  type CurveRow,
  type EvalRow,
  type HeatmapRow,
  type PhaseRow,
} from './charts.js';
export { configRows, flattenConfig, type ConfigRow } from './config-table.js';
export { escapeHtml, reportHtml, scopeSvgIds, type ReportChart } from './html.js';
export { buildReport, reportCharts, writeReport, type ReportOptions } from './report.js';
