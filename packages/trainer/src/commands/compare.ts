import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { WEIGHTING_NAMES, weighting as weightingByName } from '@rlvr/weights';
import { CliError } from '../cli/cli-error.js';
import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { refuseDirectoryOverlap } from '../cli/output-paths.js';
import { refuseForeignCompareOut } from '../cli/compare-directory.js';
import { readOnlyDirsOf } from '../cli/run-directory.js';
import { createDir, requireWritableDir, writeOutputFile } from '../cli/write-output.js';
import { parseChoice, parseInteger, parseNumber } from '../cli/parse-options.js';
import { BACKEND_CHOICES, type TrainConfig } from '../config/index.js';
import { accuracyBandSpec } from '../compare/figures.js';
import {
  bandPoints,
  runArea,
  summariseWeighting,
  summaryTable,
  type SeedRun,
  type WeightingSummary,
} from '../compare/aggregate.js';
import { choicePresetConfig } from '../compare/choice-preset.js';
import {
  chooseSweepRates,
  chosenRatesText,
  learningRateOf,
  parseLearningRateOption,
} from '../compare/learning-rates.js';
import { runPlan, type PlannedRun } from '../compare/run-plan.js';
import { writeTheoryReport } from '../compare/theory-report.js';
import { meanTrainRho, rhoSummary, rhoSummaryTable } from '../compare/theory-regime.js';
import { pairedFamilyTest, pairedTestLine } from '../compare/paired-test.js';
import { SEARCH_BASE_MODEL, SEARCH_MAX_NEW_TOKENS, presetConfig } from '../demo/countdown-preset.js';
import { renderSvg } from '../figures/render-svg.js';
import { metricsPath, readMetrics } from '../metrics/index.js';
import { loadRun, rhoHeatmapSpec } from '../report/index.js';
import { CHOICE_RULES } from '../tasks/index.js';

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

/**
 * Learning rate per weighting on the choice tasks, picked by the same rule on the `hidden` rule: seed 1,
 * 300 steps, {1e-3, 3e-3, 1e-2, 3e-2} for every weighting, the rate with the highest mean exact ρ of the
 * training prompts averaged over the evaluations after the start (docs/results/theory/sweep.md). The
 * shared rules use the same rates.
 */
export const CHOICE_LEARNING_RATES: Readonly<Record<string, number>> = {
  grpo: 3e-3,
  rloo: 3e-3,
  'uniform-r': 3e-3,
  'linear-r': 1e-2,
  'sqrt-r': 1e-2,
  'plateau-r': 3e-3,
};
const CHOICE_DEFAULT_LR = 3e-3;

/** Tasks `rlvr compare` runs: the embedded Countdown models, or the choice tasks of the theory's regime. */
export const COMPARE_TASKS = ['countdown', 'choice'] as const;

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
  task: {
    type: 'string',
    value: 'NAME',
    description:
      'countdown (the embedded Countdown models, default) or choice (the theory regime: one-token answers among 40, exact ρ per prompt, theory.md).',
  },
  rule: {
    type: 'string',
    value: 'NAME',
    description: 'choice only: hidden (an answer per item, default), copy (a shared rule) or mod-sum.',
  },
  regime: {
    type: 'string',
    value: 'NAME',
    description: "countdown only: scratch (the embedded base model, default) or sft (its SFT'd version).",
  },
  model: {
    type: 'string',
    value: 'MODEL',
    description:
      "countdown only: the start model instead of the regime's (embedded:NAME or a directory; embedded:countdown-search-base samples up to 288 new tokens).",
  },
  parallel: {
    type: 'string',
    value: 'N',
    description:
      'Runs at once, each in its own process with one ONNX Runtime thread (default 1: one run at a time in this process).',
  },
  'max-groups': {
    type: 'string',
    value: 'N',
    description:
      'Draw a fresh group of responses for a prompt whose group has no success, up to N groups per prompt and step (default 1); sampled responses then count every group drawn (effective time).',
  },
  'max-new-tokens': {
    type: 'string',
    value: 'N',
    description: `countdown only: longest response (default ${SEARCH_MAX_NEW_TOKENS} for embedded:countdown-search-base, else the preset's 96; a model of the search's kind, e.g. its SFT'd version, needs ${SEARCH_MAX_NEW_TOKENS}).`,
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
    description:
      'One learning rate for every listed weighting, or one each as NAME=LR pairs (as a sweep prints them), instead of the tuned ones.',
  },
  lrs: {
    type: 'string',
    value: 'A,B,…',
    description: 'Learning-rate sweep instead: every weighting × seed × these rates; writes sweep.md.',
  },
  out: {
    type: 'string',
    value: 'DIR',
    description:
      'Output directory (default runs/compare-<regime>): missing, empty or an earlier comparison’s; finished runs in it are reused; never the model directory, inside it or around it.',
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

/** `config` drawing up to `maxGroups` groups per prompt (the Countdown preset has no such option). */
function withMaxGroups(config: TrainConfig, maxGroups: number): TrainConfig {
  return { ...config, sampling: { ...config.sampling, maxGroups } };
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
    const task = options.task === undefined ? 'countdown' : parseChoice('--task', options.task, COMPARE_TASKS);
    if (task === 'choice' && options.regime !== undefined) {
      throw new CliError('--regime', 'only with --task countdown (the choice tasks start from their base model)');
    }
    if (task === 'choice' && options.model !== undefined) {
      throw new CliError('--model', 'only with --task countdown (the choice tasks start from embedded:choice-base)');
    }
    if (options.model !== undefined && options.regime !== undefined) {
      throw new CliError('--model', 'not with --regime (the model is the start)');
    }
    if (task === 'countdown' && options.rule !== undefined) {
      throw new CliError('--rule', 'only with --task choice');
    }
    const rule = options.rule === undefined ? 'hidden' : parseChoice('--rule', options.rule, CHOICE_RULES);
    const regime =
      options.regime === undefined ? 'scratch' : parseChoice('--regime', options.regime, ['scratch', 'sft'] as const);
    const maxSteps = options['max-steps'] === undefined ? 60 : parseInteger('--max-steps', options['max-steps'], 1);
    const maxNewTokens =
      options['max-new-tokens'] === undefined
        ? undefined
        : parseInteger('--max-new-tokens', options['max-new-tokens'], 1);
    const evalInterval =
      options['eval-interval'] === undefined ? 20 : parseInteger('--eval-interval', options['eval-interval'], 1);
    if (task === 'choice' && maxNewTokens !== undefined) {
      throw new CliError('--max-new-tokens', 'only with --task countdown (a choice answer is one token)');
    }
    if (task === 'choice' && options['eval-prompts'] !== undefined) {
      throw new CliError('--eval-prompts', 'only with --task countdown (a choice evaluation measures every prompt)');
    }
    const evalPrompts =
      options['eval-prompts'] === undefined ? 200 : parseInteger('--eval-prompts', options['eval-prompts'], 1);
    const backend = options.backend === undefined ? 'auto' : parseChoice('--backend', options.backend, BACKEND_CHOICES);
    const parallel = options.parallel === undefined ? 1 : parseInteger('--parallel', options.parallel, 1);
    const maxGroups = options['max-groups'] === undefined ? 1 : parseInteger('--max-groups', options['max-groups'], 1);
    const sweep = options.lrs?.split(',').map((x) => parseNumber('--lrs', x.trim()));
    if (sweep?.some((lr) => !(lr > 0))) throw new CliError('--lrs', `expected learning rates > 0, got ${options.lrs}`);
    if (sweep && options.lr !== undefined) throw new CliError('--lr', 'not with --lrs (a sweep sets every rate)');
    const lrOption = parseLearningRateOption(options.lr, weightings);
    const name = task === 'choice' ? `choice-${rule}` : regime;
    // Until-success runs get their own default directory: their configs differ, so they would replace the fixed ones.
    const out = options.out ?? join('runs', `compare-${name}${maxGroups > 1 ? `-groups${maxGroups}` : ''}`);
    const log = (line: string) => io.stderr.write(`${line}\n`);
    const tunedLr = (w: string) =>
      task === 'choice' ? (CHOICE_LEARNING_RATES[w] ?? CHOICE_DEFAULT_LR) : (TUNED_LEARNING_RATES[w] ?? DEFAULT_LR);

    const startModel = options.model ?? (regime === 'scratch' ? null : 'embedded:countdown-sft');
    // The runs' model is read by every run; the comparison's folder must stay clear of it.
    refuseDirectoryOverlap(
      { flag: '--out', path: out },
      readOnlyDirsOf(
        task === 'choice' ? 'embedded:choice-base' : startModel,
        options.model === undefined ? 'the start model' : '--model',
      ),
      'a model directory is never written into',
    );
    requireWritableDir(out, 'no run was started');
    refuseForeignCompareOut(out);
    const plan: PlannedRun[] = [];
    for (const weighting of weightings) {
      for (const lr of sweep ?? [learningRateOf(lrOption, weighting, tunedLr)]) {
        for (const seed of seeds) {
          const config =
            task === 'choice'
              ? choicePresetConfig({ rule, weighting, lr, maxSteps, seed, evalInterval, maxGroups, backend })
              : withMaxGroups(
                  presetConfig({
                    model: startModel,
                    ...(maxNewTokens !== undefined
                      ? { maxNewTokens }
                      : startModel === SEARCH_BASE_MODEL
                        ? { maxNewTokens: SEARCH_MAX_NEW_TOKENS }
                        : {}),
                    weighting,
                    lr,
                    maxSteps,
                    seed,
                    evalInterval,
                    evalPrompts,
                    backend,
                  }),
                  maxGroups,
                );
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
    const stop = io.stop?.claim('finishing the current step of each run and writing its checkpoint');
    await runPlan(plan, { parallel, log, ...(stop ? { stop } : {}) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;

    // Group the runs: per weighting (and per learning rate in a sweep).
    const groups = new Map<string, SeedRun[]>();
    const groupRates = new Map<string, { weighting: string; lr: number }>();
    for (const run of plan) {
      const key = sweep ? `${run.weighting} @ lr ${run.lr}` : run.weighting;
      const { steps, evals } = await readMetrics(metricsPath(run.dir));
      groups.set(key, [...(groups.get(key) ?? []), { seed: run.seed, steps, evals }]);
      groupRates.set(key, { weighting: run.weighting, lr: run.lr });
    }
    const summaries: WeightingSummary[] = [...groups].map(([key, runs]) => summariseWeighting(key, runs));
    const chosen = sweep
      ? chooseSweepRates(
          summaries.map((summary) => ({ ...groupRates.get(summary.weighting)!, score: summary.sampledCurveMean })),
          sweep,
        )
      : [];
    createDir(out, 'the runs are complete in OUT/runs; run the same command again to write the tables');
    const kept = 'the runs are complete in OUT/runs; run the same command again to write it';
    const svg = async (spec: TopLevelSpec, path: string) =>
      writeOutputFile(path, `${(await renderSvg(spec)).trimEnd()}\n`, kept);
    const { promptsPerStep, groupSize } = plan[0]!.config.sampling;
    const title =
      task === 'choice'
        ? `choice task, rule ${rule} (embedded choice base model)`
        : options.model !== undefined
          ? `from ${options.model}`
          : regime === 'scratch'
            ? 'from scratch (embedded base model)'
            : "after SFT (embedded SFT'd model)";
    const evaluated = task === 'choice' ? 'exact ρ of every prompt and held-out evaluation' : `held-out evaluation`;
    const header = [
      `# rlvr compare: ${title}${sweep ? ', learning-rate sweep' : ''}`,
      '',
      `${weightings.length} weightings × ${seeds.length} seeds (${seeds.join(', ')})${sweep ? ` × learning rates ${sweep.join(', ')}` : ''}, ${maxSteps} steps of ${promptsPerStep} prompts × ${groupSize} responses${maxGroups > 1 ? ` (a prompt without a success drew again, up to ${maxGroups} groups)` : ''}, ${evaluated} every ${evalInterval} steps on ${task === 'choice' ? 'all' : evalPrompts} problems.`,
      `Wall time of this invocation: ${seconds.toFixed(0)} s (runs reused from earlier invocations not included).`,
      '',
    ].join('\n');
    const rhoRows = task === 'choice' ? [...groups].map(([key, runs]) => rhoSummary(key, runs)) : [];
    const rhoTable =
      task === 'choice' ? `\nExact success rate of the training prompts:\n\n${rhoSummaryTable(rhoRows)}` : '';
    // The paper's grouping (h(ρ) = h(1−ρ) or not), and the split by signal on unsolved prompts (h(0) > 0 or not).
    const area = task === 'choice' ? (run: SeedRun) => runArea(run, meanTrainRho) : (run: SeedRun) => runArea(run);
    const paired = sweep
      ? []
      : [
          pairedFamilyTest(groups, (w) => !weightingByName(w).mirrorSymmetric, area),
          pairedFamilyTest(groups, (w) => !weightingByName(w).silentAtEndpoints, area),
        ];
    const measure = task === 'choice' ? 'mean exact ρ of the training prompts' : 'held-out pass@1 (greedy)';
    const pairedText = sweep
      ? ''
      : [
          '',
          `Paired tests: the area under each run's curve of the ${measure} (its mean over the evaluations after the start), family against family, seed by seed.`,
          '',
          pairedTestLine('asymmetric minus symmetric, h(ρ) ≠ h(1−ρ) against h(ρ) = h(1−ρ)', paired[0]!),
          pairedTestLine('h(0) > 0 minus h(0) = 0', paired[1]!),
          '',
        ].join('\n');
    const tablePath = join(out, sweep ? 'sweep.md' : 'results.md');
    const chosenText = sweep ? chosenRatesText(chosen) : '';
    writeOutputFile(tablePath, `${header}\n${summaryTable(summaries)}${rhoTable}${pairedText}${chosenText}`, kept);
    writeOutputFile(
      join(out, sweep ? 'sweep.json' : 'results.json'),
      `${JSON.stringify({ task, ...(task === 'choice' ? { rule } : { regime }), maxSteps, maxGroups, evalInterval, seeds, ...(sweep ? { sweep, chosen } : { learningRates: Object.fromEntries(plan.map((r) => [r.weighting, r.lr])) }), summaries, ...(task === 'choice' ? { rho: rhoRows } : {}), ...(sweep ? {} : { paired }) }, null, 2)}\n`,
      kept,
    );
    if (!sweep && task === 'choice') {
      const theory = await writeTheoryReport(out, {
        groups,
        learningRates: Object.fromEntries(plan.map((r) => [r.weighting, r.lr])),
        rule,
        groupSize,
        steps: maxSteps,
        sampling: maxGroups > 1 ? 'until-success' : 'fixed',
        maxGroups,
      });
      writeOutputFile(join(out, 'theory.md'), theory, kept);
    }
    if (!sweep) {
      for (const w of weightings) {
        const first = plan.find((r) => r.weighting === w)!;
        await svg(rhoHeatmapSpec(await loadRun(first.dir, `${w} seed ${first.seed}`)), join(out, `rho-${w}.svg`));
      }
    }
    if (!sweep && task === 'countdown') {
      const points = weightings.flatMap((w) => bandPoints(w, groups.get(w)!));
      await svg(
        accuracyBandSpec(points, 'step', 'Held-out accuracy against RL steps'),
        join(out, 'accuracy-vs-step.svg'),
      );
      await svg(
        accuracyBandSpec(points, 'sampledResponses', 'Held-out accuracy against sampled responses'),
        join(out, 'accuracy-vs-responses.svg'),
      );
    }
    io.stderr.write(summaryTable(summaries));
    io.stdout.write(`${tablePath}\n`);
    return 0;
  },
});
