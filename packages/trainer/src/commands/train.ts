import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli/cli-error.js';
import type { CliStream, Command } from '../cli/command.js';
import { checkGeneratorOptions } from '../cli/generator-check.js';
import { requireReadableFile } from '../cli/input-files.js';
import { refuseOutputOverInput, type NamedPath } from '../cli/output-paths.js';
import { prepareRunDirectory, readOnlyDirsOf } from '../cli/run-directory.js';
import { shellWords } from '../cli/shell-words.js';
import { configReferenceMarkdown, loadTrainConfig, type TrainConfig } from '../config/index.js';
import { RUN_FILES } from '../metrics/index.js';
import type { EvalMetrics, StepMetrics } from '../metrics/index.js';
import { runTraining } from '../loop/run-training.js';

const DESCRIPTION = [
  'RL on a task with a prompt weighting: each step samples M responses per prompt (ONNX Runtime), scores them',
  '(verifier pool), turns rewards into advantages (@rlvr/weights), trains the policy (PPO-clipped policy',
  'gradient on the selected backend) and syncs the weights back to the sampler. Writes RUN_DIR/metrics.jsonl',
  '(one line per step and per evaluation), RUN_DIR/config.json and atomic checkpoints in RUN_DIR/checkpoints/.',
  'RUN_DIR must be missing or empty: a run of the same config there is continued with --resume or started',
  'again with --overwrite; --overwrite removes only the files a run writes. RUN_DIR is never the model',
  'directory, inside it or around it.',
  'Any config field can be overridden by a flag: --lr 1e-6, --weighting sqrt-r, --sampling.max-new-tokens 64,',
  'or by its TRL option name where it means the same: --learning_rate 1e-6, --num_generations 8, --beta 0.04.',
  'Fields (defaults, TRL/verl names): `rlvr train --fields`.',
].join('\n');

const USAGE = [
  'Usage: rlvr train [--config FILE] [--out RUN_DIR [--overwrite]] [--max-steps N] [--resume RUN_DIR] [--json] [--FIELD VALUE …]',
  '',
  DESCRIPTION,
  '',
  'Options:',
  '  --config FILE     training config, JSON or YAML (.yaml, .yml); every field has a default (--fields)',
  '  --out RUN_DIR     run directory (default runs/<date-time>); TRL’s --output_dir is the same',
  '  --resume RUN_DIR  continue the run in RUN_DIR from its newest checkpoint (its config.json unless --config,',
  '                    which must be the same config; only --max-steps may change)',
  '  --overwrite       clear the run files in --out first (refused when it holds files no run writes)',
  '  --max-steps N     RL steps (config field maxSteps)',
  '  --json            one JSON line per step and per evaluation on stdout (the metrics.jsonl records),',
  '                    then {"kind":"end","runDir",…}; progress stays on stderr',
  '  --fields          print every config field with its flags, default and TRL/verl name',
  '  -h, --help        this help',
  '',
  'Examples:',
  '  rlvr train --config countdown.json --weighting linear-r --out runs/linear-r',
  '  rlvr train --resume runs/linear-r --max-steps 400',
  '  rlvr train --config run.yaml --learning_rate 5e-4 --num_generations 8 --json > steps.jsonl',
  '',
].join('\n');

/** TRL's name of the run directory, taken for `--out` (with dashes too, as its argument parser takes it). */
const TRL_OUT = ['--output_dir', '--output-dir'];

/** Split the command's own flags from config overrides (every other --flag). */
function splitArgs(args: readonly string[]): { own: Record<string, string | true>; overrides: string[] } {
  const own: Record<string, string | true> = {};
  const overrides: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if (flag === '-h' || flag === '--help' || flag === '--fields' || flag === '--overwrite' || flag === '--json') {
      own[flag === '-h' ? 'help' : flag.replace(/^-+/, '')] = true;
    } else if (flag === '--config' || flag === '--out' || flag === '--resume' || TRL_OUT.includes(flag)) {
      const value = inline ?? args[++i];
      if (value === undefined || value.startsWith('--')) throw new CliError(flag, 'expects a value');
      const name = TRL_OUT.includes(flag) ? 'out' : flag.slice(2);
      const earlier = own[name];
      if (earlier !== undefined && earlier !== value) {
        throw new CliError(flag, `gives ${value}, but the run directory was already given as ${earlier}; give one`);
      }
      own[name] = value;
    } else {
      overrides.push(arg);
    }
  }
  return { own, overrides };
}

/** A progress line per step: rewritten in place on a terminal, one plain line each otherwise. */
export function progressWriter(stream: CliStream & { isTTY?: boolean }): (m: StepMetrics, maxSteps: number) => void {
  return (m, maxSteps) => {
    const perStep = m.elapsedSeconds / m.step;
    const eta = Math.max(0, (maxSteps - m.step) * perStep);
    const zero = (m.rhoHistogram[0] ?? 0) / m.rhoHistogram.reduce((a, b) => a + b, 0);
    const workers = m.rollout
      ? `  workers ${m.rollout.workers}  queue ${m.rollout.queueWaiting}+${m.rollout.queueActive}${m.rollout.staleness > 0 ? `  stale ${m.rollout.staleness}` : ''}`
      : '';
    const line = `step ${m.step}/${maxSteps}  acc ${m.accuracy.toFixed(3)}  ρ̂=0 ${zero.toFixed(2)}  ${m.tokensPerSecond.toFixed(0)} tok/s${workers}  ETA ${formatDuration(eta)}`;
    stream.write(stream.isTTY ? `\r${line}\x1b[K${m.step === maxSteps ? '\n' : ''}` : `${line}\n`);
  };
}

/** The last line of `--json`: where the run is and how far it went. */
export interface RunEndLine {
  kind: 'end';
  /** The run directory. */
  runDir: string;
  /** Last step completed. */
  steps: number;
  /** The newest checkpoint. */
  checkpoint: string;
}

/**
 * What a training command reports per step and per evaluation: a progress line on stderr and, with
 * `--json`, each metrics record as one JSON line on stdout (the line metrics.jsonl gets).
 */
export function trainingReporters(
  io: { stdout: CliStream; stderr: CliStream },
  json: boolean,
): {
  onStep: (m: StepMetrics, maxSteps: number) => void;
  onEval?: (m: EvalMetrics) => void;
} {
  const progress = progressWriter(io.stderr as CliStream & { isTTY?: boolean });
  if (!json) return { onStep: progress };
  const line = (record: object) => io.stdout.write(`${JSON.stringify(record)}\n`);
  return {
    onStep: (m, maxSteps) => {
      line(m);
      progress(m, maxSteps);
    },
    onEval: line,
  };
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** `rlvr train`: see {@link DESCRIPTION}. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'RL training run: sample, verify, weight, update; metrics, evaluations and checkpoints in RUN_DIR.',
  help: () => USAGE,
  async run(args, io) {
    const { own, overrides } = splitArgs(args);
    if (own.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (own.fields) {
      io.stdout.write(`${configReferenceMarkdown()}\n`);
      return 0;
    }
    const resume = typeof own.resume === 'string' ? own.resume : undefined;
    if (resume && own.out && own.out !== resume) {
      throw new CliError('--out', `conflicts with --resume ${resume} (a resumed run stays in its directory)`);
    }
    if (resume && own.overwrite) {
      throw new CliError('--overwrite', 'not with --resume (it would clear the run to resume)');
    }
    const runDir =
      resume ?? (typeof own.out === 'string' ? own.out : join('runs', new Date().toISOString().replace(/[:.]/g, '-')));
    let configFile = typeof own.config === 'string' ? own.config : null;
    if (configFile !== null) requireReadableFile('--config', configFile);
    if (resume && configFile === null) {
      configFile = join(resume, 'config.json');
      if (!existsSync(configFile)) {
        throw new CliError('--resume', `${resume} has no config.json (not a run directory?)`);
      }
    }
    // A ConfigError (exit 2), a divergence (exit 5) and the rest: see EXIT_CODES in cli/cli-error.ts.
    const config = await loadTrainConfig(configFile, overrides);
    checkGeneratorOptions(config);
    const inputs = inputFiles(config, typeof own.config === 'string' ? own.config : undefined);
    for (const file of [RUN_FILES.config, RUN_FILES.metrics]) {
      refuseOutputOverInput(
        { flag: resume ? '--resume' : '--out', path: join(runDir, file) },
        inputs.filter((i) => i.flag !== '--config'),
      );
    }
    prepareRunDirectory({
      dir: { flag: resume ? '--resume' : '--out', path: runDir },
      config,
      resume: resume !== undefined,
      overwrite: own.overwrite === true,
      readOnlyDirs: readOnlyDirsOf(config.model.path, 'model.path'),
      inputs,
      resumeCommand: `rlvr train --resume ${shellWords([runDir])}`,
      overwriteCommand: `rlvr train ${shellWords([...args.filter((a) => a !== '--overwrite'), '--overwrite'])}`,
    });
    const result = await runTraining({
      config,
      runDir,
      resume: resume !== undefined,
      log: (line) => io.stderr.write(`${line}\n`),
      ...trainingReporters(io, own.json === true),
      stop: io.stop?.claim('finishing the current step and writing a checkpoint'),
    });
    if (own.json === true) {
      const end: RunEndLine = {
        kind: 'end',
        runDir: result.runDir,
        steps: result.steps,
        checkpoint: result.checkpoint,
      };
      io.stdout.write(`${JSON.stringify(end)}\n`);
    } else io.stdout.write(`${result.runDir}\n`);
    return 0;
  },
};

/** The files a training run reads: its --config, the datasets and a frozen problem file (embedded ones are assets). */
function inputFiles(config: TrainConfig, configFile: string | undefined): NamedPath[] {
  const files: NamedPath[] = [];
  if (configFile !== undefined) files.push({ flag: '--config', path: configFile });
  if (config.task.dataset !== null) files.push({ flag: 'task.dataset', path: config.task.dataset });
  if (config.task.testDataset !== null) files.push({ flag: 'task.testDataset', path: config.task.testDataset });
  const frozen = config.task.generator.frozen;
  if (frozen !== null && !frozen.startsWith('embedded:')) files.push({ flag: 'task.generator.frozen', path: frozen });
  return files;
}
