import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { WEIGHTING_NAMES } from '@rlvr/weights';
import { CliError, FAILURE_EXIT_CODE } from '../cli/cli-error.js';
import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { parseChoice, parseInteger, parseNumber } from '../cli/parse-options.js';
import { BACKEND_CHOICES, type TrainConfig } from '../config/index.js';
import { accuracyBandSpec } from '../compare/figures.js';
import {
  bandPoints,
  summariseWeighting,
  summaryTable,
  type SeedRun,
  type WeightingSummary,
} from '../compare/aggregate.js';
import { presetConfig } from '../demo/countdown-preset.js';
import { writeSvg } from '../figures/render-svg.js';
import { runTraining } from '../loop/run-training.js';
import { RUN_FILES, metricsPath, readMetrics } from '../metrics/index.js';
import { loadRun, rhoHeatmapSpec } from '../report/index.js';

/** The paper's six weightings, the default of --weightings. */
export const COMPARED_WEIGHTINGS = ['grpo', 'rloo', 'uniform-r', 'linear-r', 'sqrt-r', 'plateau-r'] as const;

/**
 * Learning rate per weighting, picked by the sweep of docs/results/README.md (from-scratch regime, seed
 * 1, 60 steps, {1e-4, 3e-4, 1e-3} and 3e-3 for rloo and sqrt-r; the rate with the highest mean held-out
 * accuracy averaged over the evaluations after steps 20, 40 and 60; docs/results/device-plan.sh); the
 * paper also tuned the step size per weighting, since the weightings scale the gradient differently.
 * The post-SFT regime uses the same rates.
 */
export const TUNED_LEARNING_RATES: Readonly<Record<string, number>> = {
  grpo: 1e-3,
  rloo: 1e-3,
  'uniform-r': 1e-3,
  'linear-r': 3e-4,
  'sqrt-r': 1e-3,
  'plateau-r': 1e-3,
};
const DEFAULT_LR = 3e-4;

const OPTIONS = {
  weightings: {
    type: 'string',
    value: 'A,B,…',
    description: `Weightings to compare (default ${COMPARED_WEIGHTINGS.join(',')}).`,
  },
  seeds: {
    type: 'string',
    value: 'N|A,B,…',
    description: 'Seeds per weighting: 1…N, or the listed seeds (`2,` = seed 2 alone; default 3).',
  },
  regime: {
    type: 'string',
    value: 'NAME',
    description: "scratch (the embedded base model, default) or sft (its SFT'd version).",
  },
  'max-steps': { type: 'string', value: 'N', description: 'RL steps per run (default 60).' },
  'eval-interval': { type: 'string', value: 'N', description: 'Held-out evaluation every N steps (default 20).' },
  'eval-prompts': {
    type: 'string',
    value: 'N',
    description: 'Held-out problems per evaluation, the first N of 200 (default 200).',
  },
  lr: {
    type: 'string',
    value: 'LR',
    description: 'One learning rate for every listed weighting instead of the tuned ones.',
  },
  lrs: {
    type: 'string',
    value: 'A,B,…',
    description: 'Learning-rate sweep instead: every weighting × seed × these rates; writes sweep.md.',
  },
  out: {
    type: 'string',
    value: 'DIR',
    description: 'Output directory (default runs/compare-<regime>); finished runs in it are reused.',
  },
  backend: { type: 'string', value: 'NAME', description: 'auto, webgpu or cpu (default auto).' },
} as const;

const DESCRIPTION = [
  "The paper's experiment on the embedded Countdown models: every weighting × seed from the same start,",
  'with the same budget of sampled responses (same steps, prompts per step and group size), each weighting at',
  'its tuned learning rate. Writes OUT/results.md (final held-out accuracy ± 95% interval, held-out and',
  'sampled accuracy averaged over the run, steps to 2× and 4× the start, ρ̂ = 0 share over time),',
  'OUT/results.json, and the figures accuracy-vs-step.svg, accuracy-vs-responses.svg, rho-linear-r.svg and',
  'rho-grpo.svg. Runs already finished in OUT with the same configuration are reused, so an interrupted',
  'comparison continues where it stopped. Prints the path of results.md last.',
].join('\n');

/** One run of a comparison. */
interface PlannedRun {
  weighting: string;
  seed: number;
  lr: number;
  dir: string;
  config: TrainConfig;
}

/** `--seeds`: N means 1…N; a comma list names the seeds, `S,` seed S alone (so that seeds can run in separate processes). */
function parseSeeds(value: string): number[] {
  if (!value.includes(',')) return Array.from({ length: parseInteger('--seeds', value, 1) }, (_, i) => i + 1);
  const seeds = value
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => parseInteger('--seeds', s.trim(), 0));
  if (seeds.length === 0) throw new CliError('--seeds', `expected a count or a list of seeds, got ${value}`);
  return seeds;
}

/** Whether `dir` holds a finished run of exactly `config` (same config.json, its evaluation after the last step written). */
async function finished(dir: string, config: TrainConfig): Promise<boolean> {
  const configPath = join(dir, RUN_FILES.config);
  if (!existsSync(metricsPath(dir)) || !existsSync(configPath)) return false;
  // A run of another configuration (an older learning rate, model or step count) is never reused.
  if (JSON.stringify(JSON.parse(readFileSync(configPath, 'utf8'))) !== JSON.stringify(config)) return false;
  const { evals } = await readMetrics(metricsPath(dir));
  return evals.some((e) => e.step === config.maxSteps);
}

/** `rlvr compare`: see {@link DESCRIPTION}. */
export const compareCommand: Command = defineCommand({
  name: 'compare',
  summary: "The paper's experiment: weightings × seeds from the embedded Countdown model; table and figures.",
  description: DESCRIPTION,
  options: OPTIONS,
  examples: [
    'rlvr compare --seeds 3 --out docs/results/scratch',
    'rlvr compare --regime sft --seeds 3 --out docs/results/sft',
    'rlvr compare --seeds 1 --lrs 0.001,0.003,0.01 --out runs/sweep',
  ],
  async execute(options, io) {
    const weightings = (options.weightings ?? COMPARED_WEIGHTINGS.join(','))
      .split(',')
      .map((w) => parseChoice('--weightings', w.trim(), WEIGHTING_NAMES));
    const seeds = parseSeeds(options.seeds ?? '3');
    const regime =
      options.regime === undefined ? 'scratch' : parseChoice('--regime', options.regime, ['scratch', 'sft'] as const);
    const maxSteps = options['max-steps'] === undefined ? 60 : parseInteger('--max-steps', options['max-steps'], 1);
    const evalInterval =
      options['eval-interval'] === undefined ? 20 : parseInteger('--eval-interval', options['eval-interval'], 1);
    const evalPrompts =
      options['eval-prompts'] === undefined ? 200 : parseInteger('--eval-prompts', options['eval-prompts'], 1);
    const backend = options.backend === undefined ? 'auto' : parseChoice('--backend', options.backend, BACKEND_CHOICES);
    const sweep = options.lrs?.split(',').map((x) => parseNumber('--lrs', x.trim()));
    if (sweep?.some((lr) => !(lr > 0))) throw new CliError('--lrs', `expected learning rates > 0, got ${options.lrs}`);
    const fixedLr = options.lr === undefined ? undefined : parseNumber('--lr', options.lr);
    if (fixedLr !== undefined && !(fixedLr > 0)) {
      throw new CliError('--lr', `expected a learning rate > 0, got ${options.lr}`);
    }
    const out = options.out ?? join('runs', `compare-${regime}`);
    const log = (line: string) => io.stderr.write(`${line}\n`);

    const plan: PlannedRun[] = [];
    for (const weighting of weightings) {
      for (const lr of sweep ?? [fixedLr ?? TUNED_LEARNING_RATES[weighting] ?? DEFAULT_LR]) {
        for (const seed of seeds) {
          const config = presetConfig({
            model: regime === 'scratch' ? null : 'embedded:countdown-sft',
            weighting,
            lr,
            maxSteps,
            seed,
            evalInterval,
            evalPrompts,
            backend,
          });
          plan.push({
            weighting,
            seed,
            lr,
            dir: join(out, 'runs', sweep ? `${weighting}-lr${lr}` : weighting, `seed-${seed}`),
            config,
          });
        }
      }
    }
    const started = process.hrtime.bigint();
    for (const [i, run] of plan.entries()) {
      const tag = `[${i + 1}/${plan.length}] ${run.weighting} lr ${run.lr} seed ${run.seed}`;
      if (await finished(run.dir, run.config)) {
        log(`${tag}: finished earlier, reused (${run.dir})`);
        continue;
      }
      rmSync(run.dir, { recursive: true, force: true });
      const t0 = process.hrtime.bigint();
      try {
        await runTraining({
          config: run.config,
          runDir: run.dir,
          log: (line) => (line.startsWith('eval') ? log(`${tag}: ${line}`) : undefined),
        });
      } catch (error) {
        throw new CliError(undefined, `${tag} failed: ${(error as Error).message}`, FAILURE_EXIT_CODE);
      }
      log(`${tag}: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(0)} s`);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;

    // Group the runs: per weighting (and per learning rate in a sweep).
    const groups = new Map<string, SeedRun[]>();
    for (const run of plan) {
      const key = sweep ? `${run.weighting} @ lr ${run.lr}` : run.weighting;
      const { steps, evals } = await readMetrics(metricsPath(run.dir));
      groups.set(key, [...(groups.get(key) ?? []), { seed: run.seed, steps, evals }]);
    }
    const summaries: WeightingSummary[] = [...groups].map(([key, runs]) => summariseWeighting(key, runs));
    await mkdir(out, { recursive: true });
    const { promptsPerStep, groupSize } = plan[0]!.config.sampling;
    const header = [
      `# rlvr compare: ${regime === 'scratch' ? 'from scratch (embedded base model)' : "after SFT (embedded SFT'd model)"}${sweep ? ', learning-rate sweep' : ''}`,
      '',
      `${weightings.length} weightings × ${seeds.length} seeds (${seeds.join(', ')})${sweep ? ` × learning rates ${sweep.join(', ')}` : ''}, ${maxSteps} steps of ${promptsPerStep} prompts × ${groupSize} responses, held-out evaluation every ${evalInterval} steps on ${evalPrompts} problems.`,
      `Wall time of this invocation: ${seconds.toFixed(0)} s (runs reused from earlier invocations not included).`,
      '',
    ].join('\n');
    const tablePath = join(out, sweep ? 'sweep.md' : 'results.md');
    writeFileSync(tablePath, `${header}\n${summaryTable(summaries)}`);
    writeFileSync(
      join(out, sweep ? 'sweep.json' : 'results.json'),
      `${JSON.stringify({ regime, maxSteps, evalInterval, seeds, ...(sweep ? { sweep } : { learningRates: Object.fromEntries(plan.map((r) => [r.weighting, r.lr])) }), summaries }, null, 2)}\n`,
    );
    if (!sweep) {
      const points = weightings.flatMap((w) => bandPoints(w, groups.get(w)!));
      await writeSvg(
        accuracyBandSpec(points, 'step', 'Held-out accuracy against RL steps'),
        join(out, 'accuracy-vs-step.svg'),
      );
      await writeSvg(
        accuracyBandSpec(points, 'sampledResponses', 'Held-out accuracy against sampled responses'),
        join(out, 'accuracy-vs-responses.svg'),
      );
      for (const w of ['linear-r', 'grpo'].filter((name) => weightings.includes(name as never))) {
        const first = plan.find((r) => r.weighting === w)!;
        await writeSvg(rhoHeatmapSpec(await loadRun(first.dir, `${w} seed ${first.seed}`)), join(out, `rho-${w}.svg`));
      }
    }
    io.stderr.write(summaryTable(summaries));
    io.stdout.write(`${tablePath}\n`);
    return 0;
  },
});
