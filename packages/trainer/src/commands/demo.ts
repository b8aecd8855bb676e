import { join } from 'node:path';
import { CliError, INPUT_EXIT_CODE } from '../cli/cli-error.js';
import type { Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { parseChoice, parseInteger } from '../cli/parse-options.js';
import { prepareRunDirectory, readOnlyDirsOf } from '../cli/run-directory.js';
import { commandLine } from '../cli/shell-words.js';
import { writeOutputFile } from '../cli/write-output.js';
import { BACKEND_CHOICES } from '../config/index.js';
import { SEARCH_BASE_MODEL, SEARCH_MAX_NEW_TOKENS, presetConfig } from '../demo/countdown-preset.js';
import { runTraining } from '../loop/run-training.js';
import { metricsPath, readMetrics } from '../metrics/index.js';
import { buildReport } from '../report/index.js';
import { trainingReporters, type RunEndLine } from './train.js';

/**
 * The demo's defaults: Linear-R from the embedded search base model (its thought is a full search that
 * marks the target's expression; its answer a random candidate, or a habitual guess that is never right
 * and is its greedy answer), with the step count and learning rate measured on the 2-core CPU (at lr
 * 5e-4 held-out greedy pass@1 went 0.035 → 0.480 after 80 steps and 0.665 after 160).
 */
export const DEMO_DEFAULTS = {
  model: SEARCH_BASE_MODEL,
  weighting: 'linear-r',
  lr: 5e-4,
  maxSteps: 160,
  seed: 1,
} as const;

const OPTIONS = {
  'max-steps': { type: 'string', value: 'N', description: `RL steps (default ${DEMO_DEFAULTS.maxSteps}).` },
  out: {
    type: 'string',
    value: 'DIR',
    description:
      'Run directory (default runs/demo-<date-time>): missing or empty, never the model directory, inside it or around it.',
  },
  resume: {
    type: 'boolean',
    description:
      'Continue the demo run in --out (one that was stopped) from its newest checkpoint; the other flags must give the same config.',
  },
  overwrite: {
    type: 'boolean',
    description:
      'Clear the run files in --out first (config.json, metrics.jsonl, checkpoints/, report.html, summary.json); refused when it holds anything else.',
  },
  weighting: { type: 'string', value: 'NAME', description: `Prompt weighting (default ${DEMO_DEFAULTS.weighting}).` },
  seed: { type: 'string', value: 'S', description: `Run seed (default ${DEMO_DEFAULTS.seed}).` },
  model: {
    type: 'string',
    value: 'MODEL',
    description: `Start model: embedded:NAME or a directory (default ${DEMO_DEFAULTS.model}, which samples up to ${SEARCH_MAX_NEW_TOKENS} new tokens; embedded:countdown-base, the earlier demo's, up to 96).`,
  },
  backend: { type: 'string', value: 'NAME', description: 'auto, webgpu or cpu (default auto; always printed).' },
  json: {
    type: 'boolean',
    description:
      'One JSON line per step and per evaluation on stdout (the metrics.jsonl records), then {"kind":"end",…} with the summary; progress stays on stderr.',
  },
} as const;

const DESCRIPTION = [
  "The project's main job: RL from scratch on Countdown. Starts from the embedded search base model (its",
  'thought searches every first step and marks the expression that reaches the target, but it answers with a',
  'random candidate: it solves only a few per cent of problems), trains it with Linear-R, evaluates the',
  '200 held-out problems before and after, and writes RUN_DIR/report.html and RUN_DIR/summary.json',
  '({heldoutBefore, heldoutAfter, steps, seconds, weighting, …}; held-out = pass@1 of greedy answers).',
  'The last line printed is the path of summary.json.',
].join('\n');

/** The files `rlvr demo` writes into the run directory beside the run's own. */
export const DEMO_FILES = { report: 'report.html', summary: 'summary.json' } as const;

/** What `rlvr demo` writes to RUN_DIR/summary.json. */
export interface DemoSummary {
  heldoutBefore: number;
  heldoutAfter: number;
  meanAccuracyBefore: number;
  meanAccuracyAfter: number;
  steps: number;
  seconds: number;
  weighting: string;
  heldoutPrompts: number;
  report: string;
}

/** The last line of `rlvr demo --json`: the run's end line with the summary and where it was written. */
export type DemoEndLine = RunEndLine & DemoSummary & { summaryFile: string };

/** `rlvr demo`: see {@link DESCRIPTION}. */
export const demoCommand: Command = defineCommand({
  name: 'demo',
  summary: 'RL from scratch on Countdown with Linear-R: held-out accuracy before and after, report, summary.json.',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: ['rlvr demo', 'rlvr demo --max-steps 20 --out runs/demo-short'],
  async execute(options, io) {
    const maxSteps =
      options['max-steps'] === undefined
        ? DEMO_DEFAULTS.maxSteps
        : parseInteger('--max-steps', options['max-steps'], 1);
    const seed = options.seed === undefined ? DEMO_DEFAULTS.seed : parseInteger('--seed', options.seed, 0);
    const backend = options.backend === undefined ? 'auto' : parseChoice('--backend', options.backend, BACKEND_CHOICES);
    const weighting = options.weighting ?? DEMO_DEFAULTS.weighting;
    const model = options.model ?? DEMO_DEFAULTS.model;
    const runDir = options.out ?? join('runs', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    let config;
    try {
      config = presetConfig({
        model,
        maxNewTokens: model === SEARCH_BASE_MODEL ? SEARCH_MAX_NEW_TOKENS : undefined,
        weighting,
        lr: DEMO_DEFAULTS.lr,
        maxSteps,
        seed,
        evalInterval: maxSteps,
        backend,
      });
    } catch (error) {
      throw new CliError(undefined, (error as Error).message);
    }
    const resume = options.resume === true;
    if (resume && options.out === undefined) throw new CliError('--resume', 'needs --out, the run to continue');
    if (resume && options.overwrite) {
      throw new CliError('--overwrite', 'not with --resume (it would clear the run to resume)');
    }
    prepareRunDirectory({
      dir: { flag: '--out', path: runDir },
      config,
      resume,
      overwrite: options.overwrite === true,
      extraFiles: [DEMO_FILES.report, DEMO_FILES.summary],
      readOnlyDirs: readOnlyDirsOf(config.model.path, '--model'),
      resumeCommand: commandLine('demo', { ...options, out: runDir, resume: true }),
      overwriteCommand: commandLine('demo', { ...options, out: runDir, overwrite: true }),
    });
    const log = (line: string) => io.stderr.write(`${line}\n`);
    log(`rlvr demo: ${weighting} from ${model}, ${maxSteps} steps, run directory ${runDir}`);
    const started = process.hrtime.bigint();
    const result = await runTraining({
      config,
      runDir,
      resume,
      log,
      ...trainingReporters(io, options.json === true),
      stop: io.stop?.claim('finishing the current step and writing a checkpoint'),
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const { evals } = await readMetrics(metricsPath(runDir));
    const before = evals.find((e) => e.step === 0);
    const after = evals.find((e) => e.step === maxSteps);
    if (!before || !after) {
      throw new CliError(
        undefined,
        `${metricsPath(runDir)}: missing the evaluation before or after training`,
        INPUT_EXIT_CODE,
      );
    }
    const report = writeOutputFile(
      join(runDir, DEMO_FILES.report),
      await buildReport([runDir]),
      'the run itself (metrics.jsonl, checkpoints/) is complete; `rlvr report` can write the page again',
    );
    const summary: DemoSummary = {
      heldoutBefore: before.pass1Greedy,
      heldoutAfter: after.pass1Greedy,
      meanAccuracyBefore: before.meanAccuracy,
      meanAccuracyAfter: after.meanAccuracy,
      steps: maxSteps,
      seconds: Math.round(seconds * 10) / 10,
      weighting,
      heldoutPrompts: after.prompts,
      report,
    };
    const summaryPath = writeOutputFile(
      join(runDir, DEMO_FILES.summary),
      `${JSON.stringify(summary, null, 2)}\n`,
      `the run and ${report} are complete`,
    );
    log(
      `held-out pass@1 (greedy): ${summary.heldoutBefore.toFixed(3)} → ${summary.heldoutAfter.toFixed(3)} over ${summary.heldoutPrompts} problems; mean accuracy ${summary.meanAccuracyBefore.toFixed(3)} → ${summary.meanAccuracyAfter.toFixed(3)}; ${summary.seconds} s`,
    );
    log(`report: ${report}`);
    if (options.json === true) {
      const end: DemoEndLine = {
        kind: 'end',
        runDir,
        checkpoint: result.checkpoint,
        summaryFile: summaryPath,
        ...summary,
      };
      io.stdout.write(`${JSON.stringify(end)}\n`);
    } else io.stdout.write(`${summaryPath}\n`);
    return 0;
  },
});
