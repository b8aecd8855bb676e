/**
 * The report page: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched),
 * so it can be mailed, archived or opened offline. Several Vega SVGs share one document, so the
 * ids inside each (clip paths, gradients) are prefixed per chart to keep `url(#…)` references
 * pointing into their own chart.
 */
import type { EvalMetrics } from '../metrics/records.js';
import { configRows } from './config-table.js';
import { completionsSection } from './completions-table.js';
import { escapeHtml, table } from './html-text.js';
import type { RunData } from './load-run.js';

export { escapeHtml } from './html-text.js';

/**
 * Rename every `id` of an SVG document to `<prefix>id<n>` (n in order of appearance) and rewrite the
 * references to them, so that several SVGs can share a page. Renumbering, rather than prefixing,
 * also drops Vega's process-wide id counters, so the same charts always give the same page.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (!ids.has(match[1]!)) ids.set(match[1]!, `${prefix}id${ids.size}`);
  }
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, head: string, id: string) => `${head}${ids.get(id)!}"`)
    .replace(/url\(#([^)]+)\)/g, (whole, id: string) => (ids.has(id) ? `url(#${ids.get(id)!})` : whole))
    .replace(/(href=")#([^"]+)"/g, (whole, head: string, id: string) =>
      ids.has(id) ? `${head}#${ids.get(id)!}"` : whole,
    );
}

/** A chart of the page: its heading and its rendered SVG. */
export interface ReportChart {
  heading: string;
  svg: string;
}

function number(value: number, digits = 3): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(digits);
}

/** An evaluation's mean accuracy over its n samples per prompt, and its step. */
function heldOut(e: EvalMetrics | undefined): string {
  return e === undefined ? '—' : `${number(e.meanAccuracy)} (step ${e.step})`;
}

function summaryTable(runs: readonly RunData[]): string {
  const head = [
    'run',
    'directory',
    'steps',
    'sampled responses',
    'held-out accuracy, first eval',
    'held-out accuracy, last eval',
    'final reward',
    'wall time (s)',
    'notes',
  ];
  const rows = runs.map((run) => {
    const last = run.steps.at(-1);
    const [firstEval, lastEval] = [run.evals[0], run.evals.length > 1 ? run.evals.at(-1) : undefined];
    const notes = [
      run.truncated ? 'metrics.jsonl ends in a partial line (crashed or still running)' : '',
      run.config === null ? 'no config found' : '',
    ]
      .filter((n) => n !== '')
      .join('; ');
    return [
      run.label,
      run.dir,
      String(run.steps.length),
      last ? String(last.sampledResponses) : '—',
      heldOut(firstEval),
      heldOut(lastEval),
      last ? number(last.rewardMean) : '—',
      last ? number(last.elapsedSeconds, 4) : '—',
      notes,
    ];
  });
  return table(head, rows);
}

function configSection(runs: readonly RunData[]): string {
  const rows = configRows(runs.map((r) => r.config));
  const differing = rows.filter((r) => r.differs).length;
  const intro =
    runs.length > 1
      ? `<p>${differing === 1 ? '1 field differs' : `${differing} fields differ`} between the runs (highlighted, listed first).</p>`
      : '<p>The configuration of the run.</p>';
  const tableHtml = table(
    ['field', ...runs.map((r) => r.label)],
    rows.map((r) => [r.field, ...r.values.map((v) => v ?? '—')]),
    (i) => (rows[i]!.differs ? 'differs' : ''),
  );
  return `${intro}\n${tableHtml}`;
}

const STYLE = `
body { font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } tr.differs td { background: #fff6d6; }
figure { margin: 1em 0; overflow-x: auto; } svg { max-width: 100%; height: auto; }
.meta { color: #666; font-size: 0.85em; }
tablediv.completions td { white-space: pre-wrap; font-family: monospace; } tr.correct td { background: #eef8ee; }
`;

/** The whole page. `generated` is shown as is (pass a fixed string for reproducible output). */
export function reportHtml(runs: readonly RunData[], charts: readonly ReportChart[], generated: string): string {
  const figures = charts
    .map(
      (chart, i) =>
        `<h2>${escapeHtml(chart.heading)}</h2>\n<figure>\n${scopeSvgIds(chart.svg.replace(/^<\?xml[^>]*\?>\s*/, ''), `c${i}-`)}\n</figure>`,
    )
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(`RLVR report: ${runs.map((r) => r.label).join(', ')}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<h1>RLVR training report</h1>',
    `<p class="meta">${escapeHtml(generated)}</p>`,
    '<h2>Runs</h2>',
    summaryTable(runs),
    figures,
    completionsSection(runs),
    '<h2>Configuration</h2>',
    configSection(runs),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
