import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderSvg } from '../figures/render-svg.js';
import { MetricsWriter } from '../metrics/metrics-file.js';
import type { EvalMetrics, StepMetrics } from '../metrics/records.js';
import { syntheticStep } from '../metrics/testing/synthetic-metrics.js';
import { parseSvgStructure } from '../testing/svg-structure.js';
import { useTempDir } from '../testing/temp-dir.js';
import { evalSpec } from './charts.js';
import type { RunData } from './load-run.js';
import { METRIC_CHARTS, debiasedEma, metricRows, otherFieldPaths, stepFieldPaths } from './metric-charts.js';
import { buildReport } from './report.js';

const tempDir = useTempDir('rlvr-metric-charts-');

function runData(label: string, steps: StepMetrics[], evals: EvalMetrics[] = []): RunData {
  return { dir: label, label, steps, evals, config: null, truncated: false, completions: [] };
}

const evalAt = (step: number, passAtK: Record<string, number>): EvalMetrics => ({
  kind: 'eval',
  step,
  prompts: 8,
  samples: 8,
  pass1Greedy: 0.1 * step,
  meanAccuracy: 0.05 * step,
  passAtK,
  rewardMean: 0,
  seconds: 1,
});

describe('smoothing', () => {
  test('TensorBoard’s debiased EMA: the weighted mean of the points so far, weights w^age', () => {
    // By hand, w = 0.5: 1; (0.5·1 + 2)/1.5; (0.25·1 + 0.5·2 + 4)/1.75 = 3.
    const smoothed = debiasedEma([1, 2, 4], 0.5);
    expect(smoothed[0]).toBeCloseTo(1, 12);
    expect(smoothed[1]).toBeCloseTo(2.5 / 1.5, 12);
    expect(smoothed[2]).toBeCloseTo(3, 12);
    expect(debiasedEma([1, 2, 4], 0)).toEqual([1, 2, 4]);
    expect(debiasedEma([0.3, 0.3, 0.3], 0.9).every((v) => Math.abs(v - 0.3) < 1e-12)).toBe(true);
  });
});

describe('charts follow the fields present', () => {
  // Fields the record schema does not hold yet, as another loss or sampler would add them.
  const later = (step: number) => ({ ...syntheticStep(step, 4), gradNormClipped: 0.4, clipFractionLow: 0.01, rewards: { format: 0.5 }, newCounter: step }) as StepMetrics;
  const runs = [runData('a', [1, 2, 3].map(later))];

  test('a new field joins the chart its name belongs to, an unknown one the other metrics', () => {
    const paths = stepFieldPaths(runs);
    const chartOf = (path: string) => METRIC_CHARTS.find((c) => c.matches(path))?.heading;
    expect(chartOf('gradNormClipped')).toBe('Gradient norm');
    expect(chartOf('clipFractionLow')).toBe('Clip fractions');
    expect(chartOf('clipHighFraction')).toBe('Clip fractions');
    expect(chartOf('rewards.format')).toBe('Rewards by function');
    expect(otherFieldPaths(runs)).toContain('newCounter');
    expect(otherFieldPaths(runs)).not.toContain('loss');
    const rows = metricRows(
      runs,
      paths.filter((p) => p.startsWith('gradNorm')),
    );
    expect([...new Set(rows.map((r) => r.series))]).toEqual(['gradNorm', 'gradNormClipped']);
    expect(rows.filter((r) => r.field === 'gradNormClipped').map((r) => r.value)).toEqual([0.4, 0.4, 0.4]);
  });

  test('series: the run with one field, the field with one run, both with several of each', () => {
    const two = [runData('a', [syntheticStep(1, 4)]), runData('b', [later(1)])];
    expect(metricRows(two, ['loss']).map((r) => r.series)).toEqual(['a', 'b']);
    expect(metricRows(two, ['gradNorm', 'gradNormClipped']).map((r) => r.series)).toEqual(['a: gradNorm', 'b: gradNorm', 'b: gradNormClipped']);
  });
});

describe('evaluation grid', () => {
  test('every panel has its own step axis and no axis is drawn under the empty cells', async () => {
    // greedy, mean@8 = pass@1, pass@2, pass@4: four panels in three columns.
    const runs = [runData('a', [], [evalAt(0, { '1': 0.1, '2': 0.2, '4': 0.3 }), evalAt(5, { '1': 0.3, '2': 0.4, '4': 0.5 })])];
    const texts = parseSvgStructure(await renderSvg(evalSpec(runs))).texts;
    expect(texts.filter((t) => t === 'step')).toHaveLength(4);
    expect(texts.filter((t) => t === 'accuracy')).toHaveLength(2); // one y axis per row
    expect(texts).not.toContain('pass@1');
  });
});

describe('report page', () => {
  test('runs table: held-out accuracy of the first and last evaluation; completions escaped', async () => {
    const dir = join(tempDir(), 'run');
    const writer = new MetricsWriter(dir);
    writer.append(evalAt(0, { '1': 0 }));
    writer.append(syntheticStep(1, 4));
    writer.append(syntheticStep(2, 4));
    writer.append(evalAt(2, { '1': 0.1 }));
    const hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';
    const lines = [1, 2, 2].map((step, i) => ({ step, prompt: `Q${i} <b>`, completion: hostile, reward: 1, advantage: -0.5, correct: i === 2 }));
    await writeFile(join(dir, 'completions.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    await mkdir(join(dir, 'checkpoints'), { recursive: true });
    const html = await buildReport([dir], { generated: 'fixed' });
    expect(html).toContain('<th>held-out accuracy, first eval</th><th>held-out accuracy, last eval</th>');
    expect(html).toContain('<td>0 (step 0)</td><td>0.100 (step 2)</td>');
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<tr class="correct"><td>2</td><td>Q2 &lt;b&gt;</td>');
    expect(html.match(/<tr( class="correct")?><td>[12]<\/td><td>Q/g)).toHaveLength(3);
  });
});
