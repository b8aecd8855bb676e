/**
 * The logs of a real short run (tiny model, real sampler, verifiers and kernels): TensorBoard event
 * files that read back, through the independent reader, as exactly the numbers of metrics.jsonl;
 * completions.jsonl (bounded per step, rewound on resume); and the report's charts rendered from that
 * run's own metrics file.
 */
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCompletions } from '../src/logging/completions-log.js';
import { recordScalars } from '../src/logging/scalar-tags.js';
import { readEventFile } from '../src/logging/testing/event-file-reader.js';
import { runTraining } from '../src/loop/run-training.js';
import type { MetricsRecord } from '../src/metrics/index.js';
import { numericFields } from '../src/metrics/numeric-fields.js';
import { METRIC_CHARTS } from '../src/report/metric-charts.js';
import { buildReport } from '../src/report/report.js';
import { parseSvgStructure } from '../src/testing/svg-structure.js';
import { metricsOf, trainingTinyConfig, tinyRun } from './tiny-run.js';

let run: ReturnType<typeof tinyRun>;
let runDir: string;
let metrics: MetricsRecord[];

beforeAll(async () => {
  run = tinyRun();
  runDir = join(run.root, 'logged');
  const config = trainingTinyConfig(run.modelDir, {
    maxSteps: 3,
    eval: { interval: 3, samples: 2, passAtK: [1, 2] },
    logging: { tensorboard: true, completions: 5 },
  });
  await runTraining({ config, runDir });
  metrics = metricsOf(runDir);
}, 120_000);
afterAll(() => run.cleanup());

describe('a real run with logging on', () => {
  test('TensorBoard: one event per metrics line, every number under its tag at its step', () => {
    const files = readdirSync(join(runDir, 'tensorboard'));
    expect(files).toEqual([expect.stringMatching(/^events\.out\.tfevents\.\d+\./)]);
    const { events, torn } = readEventFile(join(runDir, 'tensorboard', files[0]!));
    expect(torn).toBe(0);
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    const scalars = events.slice(1);
    expect(scalars.map((e) => e.step)).toEqual(metrics.map((m) => m.step));
    scalars.forEach((event, i) => {
      expect(event.scalars).toEqual(recordScalars(metrics[i]!).map(({ tag, value }) => ({ tag, value: Math.fround(value) })));
    });
    const tags = new Set(scalars.flatMap((e) => e.scalars!.map((s) => s.tag)));
    for (const tag of ['train/loss', 'train/grad_norm', 'train/entropy', 'train/learning_rate', 'eval/pass@2', 'eval/pass@1_greedy']) {
      expect([tag, tags.has(tag)]).toEqual([tag, true]);
    }
  });

  test('completions.jsonl: 5 of the 12 responses of each step, the prompt decoded, reward and verdict as scored', () => {
    const logged = readCompletions(runDir);
    expect(logged.map((c) => c.step)).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
    for (const c of logged) {
      expect(c.prompt).toContain('Use each of the numbers');
      expect(typeof c.completion).toBe('string');
      // Countdown: 1 when correct, never when wrong.
      expect(c.correct).toBe(c.reward === 1);
      expect(Number.isFinite(c.advantage)).toBe(true);
    }
  });

  test('the report draws every training chart from the run’s own metrics, and its completions', async () => {
    const html = await buildReport([runDir], { generated: 'fixed' });
    const headings = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    // Every chart whose fields the run wrote, and only those (a field added to the records later brings its chart).
    const fields = new Set(metrics.flatMap((m) => (m.kind === 'step' ? numericFields(m).map((f) => f.path) : [])));
    const drawn = METRIC_CHARTS.filter((c) => [...fields].some((f) => c.matches(f))).map((c) => c.heading);
    expect(drawn).toEqual(expect.arrayContaining(['Loss', 'KL to the reference', 'Entropy', 'Gradient norm', 'Clip fractions', 'Completion length', 'Learning rate']));
    expect(headings).toEqual(['Runs', 'Accuracy', 'Reward', 'Evaluation', ...drawn, 'Other step metrics', 'ρ̂ histogram: logged', 'Time per phase', 'Sampled completions', 'Configuration']);
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    const byHeading = new Map(headings.slice(1, -2).map((h, i) => [h, parseSvgStructure(svgs[i]!).texts]));
    // One run: the legend names the fields, or the run when the chart has a single field.
    const gradientFields = [...fields].filter((f) => f.startsWith('gradNorm'));
    const legend = gradientFields.length === 1 ? ['logged'] : gradientFields;
    expect(byHeading.get('Gradient norm')).toEqual(expect.arrayContaining(['step', 'global gradient norm', ...legend]));
    expect(byHeading.get('Completion length')).toEqual(expect.arrayContaining(['responseLengthMean', 'responseLengthMax', 'tokens']));
    expect(byHeading.get('Other step metrics')).toEqual(expect.arrayContaining(['tokensPerSecond', 'noSignalFraction']));
    // Runs table: held-out accuracy of the first (step 0) and last (step 3) evaluations.
    const evals = metrics.filter((m) => m.kind === 'eval');
    expect(evals.map((e) => e.step)).toEqual([0, 3]);
    const shown = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(3));
    expect(html).toContain(`<td>${shown(evals[0]!.meanAccuracy)} (step 0)</td><td>${shown(evals[1]!.meanAccuracy)} (step 3)</td>`);
    expect(html.match(/<tr( class="correct")?><td>[123]<\/td>/g)).toHaveLength(10); // steps 1 and 3, 5 each
  });

  test('a resumed run drops the completions of the steps it runs again and starts a new event file', async () => {
    const dir = join(run.root, 'resumed');
    const base = { eval: { interval: 0 }, checkpoint: { interval: 1 }, logging: { tensorboard: true, completions: 2 } };
    await runTraining({ config: trainingTinyConfig(run.modelDir, { ...base, maxSteps: 2 }), runDir: dir });
    // A crash after step 3's lines were written but before its checkpoint: they are stale.
    appendFileSync(join(dir, 'completions.jsonl'), `${JSON.stringify({ step: 3, prompt: 'p', completion: 'stale', reward: 0, advantage: 0, correct: false })}\n`);
    await runTraining({ config: trainingTinyConfig(run.modelDir, { ...base, maxSteps: 3 }), runDir: dir, resume: true });
    const logged = readCompletions(dir);
    expect(logged.map((c) => c.step)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(logged.some((c) => c.completion === 'stale')).toBe(false);
    const files = readdirSync(join(dir, 'tensorboard')).sort();
    expect(files).toHaveLength(2);
    const resumed = files.map((f) => readEventFile(join(dir, 'tensorboard', f)).events).find((e) => e[1]?.sessionStatus === 1)!;
    expect(resumed.map((e) => e.step)).toEqual([0, 3, 3]);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
  }, 120_000);
});
