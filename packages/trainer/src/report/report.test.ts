import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { parseTrainConfig } from '../config/load-config.js';
import { writeRunConfig } from '../config/run-config.js';
import { MetricsWriter } from '../metrics/metrics-file.js';
import { numericFields } from '../metrics/numeric-fields.js';
import { syntheticStep } from '../metrics/testing/synthetic-metrics.js';
import { captureIo } from '../testing/capture-io.js';
import { parseSvgStructure } from '../testing/svg-structure.js';
import { useTempDir } from '../testing/temp-dir.js';
import { curveRows, evalRows, heatmapRows, phaseRows } from './charts.js';
import { configRows } from './config-table.js';
import { scopeSvgIds } from './html.js';
import { loadRun, loadRuns } from './load-run.js';
import { METRIC_CHARTS } from './metric-charts.js';
import { buildReport } from './report.js';

const tempDir = useTempDir('rlvr-report-');
/** The training-dynamics charts that a run of synthetic steps gets (its fields: syntheticStep). */
const SYNTHETIC_METRIC_CHARTS = [...METRIC_CHARTS.filter((c) => numericFields(syntheticStep(1, 4)).some((f) => c.matches(f.path))).map((c) => c.heading), 'Other step metrics'];
let grpoRun: string;
let sqrtRun: string;

/** A run directory with `steps` synthetic step lines (accuracy rising at `slope` per step), a config and optional evals. */
async function writeRun(name: string, weighting: string, steps: number, slope: number, evalEvery = 0): Promise<string> {
  const runDir = join(tempDir(), name);
  const writer = new MetricsWriter(runDir);
  for (let s = 1; s <= steps; s++) {
    writer.append(syntheticStep(s, 4, { accuracy: Math.min(0.95, 0.025 + slope * s) }));
    if (evalEvery > 0 && s % evalEvery === 0) {
      writer.append({
        kind: 'eval',
        step: s,
        prompts: 16,
        samples: 4,
        pass1Greedy: slope * s,
        meanAccuracy: slope * s * 0.9,
        passAtK: { '1': slope * s * 0.9, '4': Math.min(1, slope * s * 2) },
        rewardMean: slope * s,
        seconds: 0.5,
      });
    }
  }
  writeRunConfig(runDir, parseTrainConfig({ weighting: { name: weighting }, sampling: { groupSize: 4 } }));
  return runDir;
}

beforeAll(async () => {
  grpoRun = await writeRun('run-grpo', 'grpo', 30, 0.01);
  sqrtRun = await writeRun('run-sqrt-r', 'sqrt-r', 30, 0.02, 10);
});

function svgs(html: string): string[] {
  return [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

describe('chart data', () => {
  test('learning curves: one point per step and run, against step and sampled responses', async () => {
    const runs = await loadRuns([grpoRun, sqrtRun]);
    const rows = curveRows(runs, 'accuracy');
    expect(rows).toHaveLength(60);
    const fifth = rows.find((r) => r.run === 'run-sqrt-r' && r.step === 5)!;
    expect(fifth.value).toBeCloseTo(0.025 + 0.02 * 5, 12);
    expect(fifth.sampledResponses).toBe(5 * 8 * 4);
  });

  test('heatmap: per step, the shares of k = 0..M are count / groups and sum to 1', async () => {
    const run = await loadRun(grpoRun);
    const rows = heatmapRows(run);
    expect(rows).toHaveLength(30 * 5);
    for (const step of run.steps) {
      const cells = rows.filter((r) => r.step === step.step - 0.5);
      expect(cells.map((c) => c.label)).toEqual(['0/4', '1/4', '2/4', '3/4', '4/4']);
      expect(cells.map((c) => c.share)).toEqual(step.rhoHistogram.map((count) => count / 8));
      expect(cells.reduce((a, c) => a + c.share, 0)).toBeCloseTo(1, 12);
    }
  });

  test('time per phase: means over steps, shares sum to 1', async () => {
    const rows = phaseRows(await loadRuns([grpoRun]));
    expect(rows.map((r) => r.phase)).toEqual(['sample', 'verify', 'advantages', 'train', 'sync']);
    expect(rows[0]!.seconds).toBeCloseTo(1.2, 12);
    expect(rows[3]!.share).toBeCloseTo(0.6 / 2, 12); // the synthetic phases sum to 2 s
    expect(rows.reduce((a, r) => a + r.share, 0)).toBeCloseTo(1, 12);
  });

  test('evaluation rows: greedy pass@1, mean@n and each pass@k', async () => {
    const rows = evalRows(await loadRuns([grpoRun, sqrtRun]));
    // The unbiased pass@1 is the mean accuracy itself: one panel, not two.
    expect(new Set(rows.map((r) => r.measure))).toEqual(new Set(['pass@1 (greedy)', 'mean@4 = pass@1', 'pass@4']));
    expect(rows.filter((r) => r.measure === 'pass@4').map((r) => r.step)).toEqual([10, 20, 30]);
    expect(rows.every((r) => r.run === 'run-sqrt-r')).toBe(true);
  });

  test('config comparison: differing fields first', async () => {
    const rows = configRows((await loadRuns([grpoRun, sqrtRun])).map((r) => r.config));
    expect(rows[0]).toEqual({ field: 'weighting.name', values: ['"grpo"', '"sqrt-r"'], differs: true });
    expect(rows.filter((r) => r.differs)).toHaveLength(1);
    expect(rows.find((r) => r.field === 'optim.lr')).toEqual({ field: 'optim.lr', values: ['0.000001', '0.000001'], differs: false });
  });
});

describe('HTML report', () => {
  let html: string;

  beforeAll(async () => {
    html = await buildReport([grpoRun, sqrtRun], { generated: 'fixed' });
  });

  test('self-contained: no script, no stylesheet link, no external source', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/\ssrc=/i);
    expect(html).not.toMatch(/url\((?!#)/);
  });

  test('the charts: learning curves, evaluation, the training dynamics, one heatmap per run, time per phase; each SVG well formed', () => {
    const charts = svgs(html);
    const headings = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    expect(headings).toEqual(['Runs', 'Accuracy', 'Reward', 'Evaluation', ...SYNTHETIC_METRIC_CHARTS, 'ρ̂ histogram: run-grpo', 'ρ̂ histogram: run-sqrt-r', 'Time per phase', 'Configuration']);
    expect(charts).toHaveLength(headings.length - 2);
    for (const svg of charts) expect(parseSvgStructure(svg).root).toBe('svg');
    const texts = (heading: string) => parseSvgStructure(charts[headings.indexOf(heading) - 1]!).texts;
    expect(texts('Accuracy')).toEqual(expect.arrayContaining(['run-grpo', 'run-sqrt-r', 'step', 'sampled responses', 'accuracy']));
    expect(texts('Loss')).toEqual(expect.arrayContaining(['run-grpo', 'run-sqrt-r', 'step', 'policy loss']));
    expect(texts('Completion length')).toEqual(expect.arrayContaining(['run-grpo: responseLengthMean', 'run-sqrt-r: responseLengthMax', 'tokens']));
    expect(texts('ρ̂ histogram: run-grpo')).toEqual(expect.arrayContaining(['0/4', '4/4', 'k/M correct', 'share of prompts']));
    expect(texts('Time per phase')).toEqual(expect.arrayContaining(['sample', 'train', 'seconds per step']));
  });

  test('ids are unique in the page and every url(#…) points at one of them', () => {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    for (const ref of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1]);
  });

  test('runs table and configuration table', () => {
    expect(html).toContain('<td>run-sqrt-r</td>');
    expect(html).toMatch(/<tr class="differs"><td>weighting\.name<\/td><td>&quot;grpo&quot;<\/td><td>&quot;sqrt-r&quot;<\/td><\/tr>/);
    expect(html).toContain('1 field differs between the runs');
  });

  test('the same runs give the same page', async () => {
    expect(await buildReport([grpoRun, sqrtRun], { generated: 'fixed' })).toBe(html);
  });

  test('scopeSvgIds renumbers ids and rewrites their references only', () => {
    const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)" fill="url(#other)"><use href="#clip1"/></g></svg>';
    expect(scopeSvgIds(svg, 'c3-')).toBe('<svg><defs><clipPath id="c3-id0"><rect/></clipPath></defs><g clip-path="url(#c3-id0)" fill="url(#other)"><use href="#c3-id0"/></g></svg>');
  });
});

describe('rlvr report', () => {
  async function report(...args: string[]) {
    const io = captureIo();
    const code = await runCli(['report', ...args], io);
    return { code, out: io.out(), err: io.err() };
  }

  test('writes the page where --out says and prints its path', async () => {
    const out = join(tempDir(), 'nested', 'compare.html');
    const { code, out: stdout, err } = await report(grpoRun, '--out', out, sqrtRun);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`${out}\n`);
    const page = await readFile(out, 'utf8');
    expect(svgs(page)).toHaveLength(6 + SYNTHETIC_METRIC_CHARTS.length);
  });

  test('a single run, with a partial last metrics line, is reported with a note', async () => {
    const runDir = join(tempDir(), 'run-crashed');
    new MetricsWriter(runDir).append(syntheticStep(1, 4));
    await writeFile(join(runDir, 'metrics.jsonl'), `${await readFile(join(runDir, 'metrics.jsonl'), 'utf8')}{"kind": "st`);
    const out = join(tempDir(), 'single.html');
    expect((await report(runDir, `--out=${out}`)).code).toBe(0);
    const page = await readFile(out, 'utf8');
    expect(page).toContain('metrics.jsonl ends in a partial line');
    expect(page).toContain('no config found');
  });

  test('a run that has not finished a step yet (empty metrics.jsonl) still gives a page', async () => {
    const runDir = join(tempDir(), 'run-empty');
    await mkdir(runDir);
    await writeFile(join(runDir, 'metrics.jsonl'), '');
    const out = join(tempDir(), 'empty.html');
    expect((await report(runDir, grpoRun, '--out', out)).code).toBe(0);
    const page = await readFile(out, 'utf8');
    expect(page).toContain('<td>run-empty</td><td>' + runDir + '</td><td>0</td>');
    // accuracy, reward, the training dynamics and the heatmap of the run with steps, time per phase
    expect(svgs(page)).toHaveLength(4 + SYNTHETIC_METRIC_CHARTS.length);
  });

  test('user errors: no run, a missing directory, a folder without metrics, a malformed metrics line', async () => {
    expect(await report()).toMatchObject({ code: 2, err: expect.stringMatching(/expected at least one run directory/) });
    const missing = join(tempDir(), 'no-such-run');
    const first = await report(missing, '--out', join(tempDir(), 'x.html'));
    expect(first.code).toBe(3);
    expect(first.err).toContain(`${missing}: not a run directory`);
    const empty = join(tempDir(), 'empty-run');
    await mkdir(empty);
    expect((await report(empty, '--out', join(tempDir(), 'x.html'))).err).toContain('has no metrics.jsonl');
    const bad = join(tempDir(), 'bad-run');
    await mkdir(bad);
    await writeFile(join(bad, 'metrics.jsonl'), '{"kind": "step", "step": 1}\n{}\n');
    expect((await report(bad, '--out', join(tempDir(), 'x.html'))).err).toMatch(/bad-run\/metrics\.jsonl:1: /);
    expect(existsSync(join(tempDir(), 'x.html'))).toBe(false);
  });

  test('--smoothing: the moving average drawn over the training metrics; refused outside [0, 1), as is --out over completions.jsonl', async () => {
    const out = join(tempDir(), 'smooth.html');
    expect((await report(grpoRun, '--out', out, '--smoothing', '0.9')).code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('smoothed (exponential moving average, weight 0.9)');
    for (const bad of ['1', '-0.1', 'x']) {
      expect(await report(grpoRun, '--out', out, '--smoothing', bad)).toMatchObject({ code: 2, err: expect.stringMatching(/--smoothing: expected a (weight in \[0, 1\)|number)/) });
    }
    expect((await report(grpoRun, '--out', join(grpoRun, 'completions.jsonl'))).err).toMatch(/--out/);
    expect(existsSync(join(grpoRun, 'completions.jsonl'))).toBe(false);
  });

  test('help', async () => {
    const { code, out } = await report('--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: rlvr report RUN_DIR… \[--out FILE\]/);
  });
});
