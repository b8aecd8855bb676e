/**
 * Runs the planned runs of `rlvr compare`: one after another in this process, or several at once, each
 * in its own `rlvr train` process with one ONNX Runtime thread (`RLVR_CPU_THREADS=1`), which on a CPU
 * machine uses the cores better than one run with many threads (small models do not fill a core's
 * worth of threads). A run already finished in its directory with the same configuration is reused,
 * and one stopped part-way (Ctrl-C, SIGTERM) continues from its checkpoint, so an interrupted comparison
 * continues where it stopped. A stop request reaches every run: the in-process one finishes its step and
 * checkpoints; child processes get the signal forwarded (they run in their own process group, so a
 * terminal's Ctrl-C reaches them once, through this process) and do the same.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError, INPUT_EXIT_CODE } from '../cli/cli-error.js';
import { listCheckpoints } from '../checkpoint/index.js';
import { stopReason } from '../cli/graceful-stop.js';
import { parseTrainConfig, type TrainConfig } from '../config/index.js';
import { InterruptedError, SIGNAL_EXIT_CODES } from '../errors.js';
import { runTraining } from '../loop/run-training.js';
import { RUN_FILES, metricsPath, readMetrics } from '../metrics/index.js';

/** One run of a comparison. */
export interface PlannedRun {
  weighting: string;
  seed: number;
  lr: number;
  dir: string;
  config: TrainConfig;
}

/**
 * The configuration of the run in `dir` (its config.json, parsed, so that a field added since it was
 * written reads as its default), or undefined when there is none or it cannot be read.
 */
export function storedRunConfig(dir: string): TrainConfig | undefined {
  const configPath = join(dir, RUN_FILES.config);
  if (!existsSync(configPath)) return undefined;
  try {
    return parseTrainConfig(JSON.parse(readFileSync(configPath, 'utf8')));
  } catch {
    return undefined;
  }
}

/** Whether two parsed configurations are the same run's: every field equal (the one definition `compare` reuse and `train --out` go by). */
export function sameTrainConfig(a: TrainConfig, b: TrainConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether `dir` holds a finished run of exactly `config` (same config.json, its evaluation after the last step written). */
export async function finishedRun(dir: string, config: TrainConfig): Promise<boolean> {
  if (!existsSync(metricsPath(dir))) return false;
  // A run of another configuration (an older learning rate, model or step count) is never reused.
  const stored = storedRunConfig(dir);
  if (stored === undefined || !sameTrainConfig(stored, config)) return false;
  const { evals } = await readMetrics(metricsPath(dir));
  return evals.some((e) => e.step === config.maxSteps);
}

/** Options of {@link runPlan}. */
export interface RunPlanOptions {
  /** Runs at once: 1 = in this process; more = child `rlvr train` processes with one thread each. */
  parallel: number;
  /** The `rlvr` entry point the child processes run (with this process's Node and its flags). */
  cliPath?: string;
  log: (line: string) => void;
  /** Aborted to stop every run cleanly (reason `SIGINT` or `SIGTERM`); see the module comment. */
  stop?: AbortSignal;
}

/** What continues a stopped comparison. */
const CONTINUE = 'the same rlvr compare command (finished runs are reused, stopped ones resume from their checkpoints)';

/** Whether `dir` holds a stopped run of exactly `config` with a checkpoint to continue from. */
export function resumableRun(dir: string, config: TrainConfig): boolean {
  const stored = storedRunConfig(dir);
  return stored !== undefined && sameTrainConfig(stored, config) && listCheckpoints(dir).length > 0;
}

/** The script of this process when it is the rlvr command line (dist/cli.js, src/cli.ts or the npm `rlvr` link), else undefined. */
export function rlvrEntryPoint(): string | undefined {
  const script = process.argv[1];
  return script !== undefined && existsSync(script) && ['cli.js', 'cli.ts', 'rlvr'].includes(basename(script))
    ? script
    : undefined;
}

const seconds = (since: bigint) => (Number(process.hrtime.bigint() - since) / 1e9).toFixed(0);

/** Run every unfinished run of `plan`; see the module comment. Throws a CliError naming the first run that failed. */
export async function runPlan(plan: readonly PlannedRun[], o: RunPlanOptions): Promise<void> {
  const pending: { run: PlannedRun; tag: string }[] = [];
  for (const [i, run] of plan.entries()) {
    const tag = `[${i + 1}/${plan.length}] ${run.weighting} lr ${run.lr} seed ${run.seed}`;
    if (await finishedRun(run.dir, run.config)) o.log(`${tag}: finished earlier, reused (${run.dir})`);
    else pending.push({ run, tag });
  }
  if (o.parallel <= 1) {
    for (const { run, tag } of pending) {
      const signal = stopReason(o.stop);
      if (signal !== undefined) {
        throw new InterruptedError(signal, `stopped by ${signal} before ${tag}; continue with: ${CONTINUE}`);
      }
      const resume = resumableRun(run.dir, run.config);
      if (resume) o.log(`${tag}: continuing from its checkpoint (${run.dir})`);
      else rmSync(run.dir, { recursive: true, force: true });
      const t0 = process.hrtime.bigint();
      try {
        await runTraining({
          config: run.config,
          runDir: run.dir,
          resume,
          log: (line) => (line.startsWith('eval') || line.startsWith('warning') ? o.log(`${tag}: ${line}`) : undefined),
          ...(o.stop ? { stop: o.stop } : {}),
          resumeCommand: CONTINUE,
        });
      } catch (error) {
        if (InterruptedError.isInstance(error)) throw new InterruptedError(error.signal, `${tag}: ${error.message}`);
        throw new CliError(undefined, `${tag} failed: ${(error as Error).message}`, INPUT_EXIT_CODE);
      }
      o.log(`${tag}: ${seconds(t0)} s`);
    }
    return;
  }
  const cliPath = o.cliPath ?? rlvrEntryPoint();
  if (cliPath === undefined) {
    throw new CliError(
      '--parallel',
      `this process is not the rlvr command line (${process.argv[1] ?? 'no script'}), so it cannot start runs in rlvr processes; use --parallel 1`,
    );
  }
  const failures: string[] = [];
  const stopped: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length && stopReason(o.stop) === undefined) {
      const { run, tag } = pending[next++]!;
      const result = await runChild(run, tag, cliPath, o.log, o.stop);
      if (result === 'stopped') stopped.push(tag);
      else if (result) failures.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel, pending.length) }, worker));
  const signal = stopReason(o.stop);
  if (signal !== undefined) {
    const notStarted = pending.length - next;
    throw new InterruptedError(
      signal,
      `stopped by ${signal}: ${stopped.length} run(s) stopped with a checkpoint${stopped.length > 0 ? ` (${stopped.join(', ')})` : ''}, ${notStarted} not started${failures.length > 0 ? `, ${failures.length} failed: ${failures.join('; ')}` : ''}; continue with: ${CONTINUE}`,
    );
  }
  if (failures.length > 0) {
    throw new CliError(undefined, `${failures.length} run(s) failed: ${failures.join('; ')}`, INPUT_EXIT_CODE);
  }
}

/**
 * One run in a child `rlvr train` process (continuing it with --resume when it was stopped part-way);
 * its output goes to `DIR.log`. Returns a failure message, 'stopped' when a stop request ended it with a
 * checkpoint, or null.
 */
async function runChild(
  run: PlannedRun,
  tag: string,
  cliPath: string,
  log: (line: string) => void,
  stop: AbortSignal | undefined,
): Promise<string | null> {
  const resume = resumableRun(run.dir, run.config);
  const logFile = `${run.dir}.log`;
  let args: string[];
  if (resume) {
    args = ['train', '--resume', run.dir];
  } else {
    rmSync(run.dir, { recursive: true, force: true });
    mkdirSync(dirname(run.dir), { recursive: true });
    const configFile = `${run.dir}.config.json`;
    writeFileSync(configFile, `${JSON.stringify(run.config, null, 2)}\n`);
    args = ['train', '--config', configFile, '--out', run.dir];
  }
  const t0 = process.hrtime.bigint();
  log(`${tag}: ${resume ? 'continuing from its checkpoint' : 'started'} (output in ${logFile})`);
  const out = createWriteStream(logFile, { flags: resume ? 'a' : 'w' });
  // Its own process group: a terminal's Ctrl-C reaches it once, forwarded from here (a second would end it at once).
  const child = spawn(process.execPath, [...process.execArgv, cliPath, ...args], {
    env: { ...process.env, RLVR_CPU_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const forward = (): void => void child.kill(stopReason(stop) ?? 'SIGINT');
  // If this process exits at once (a second signal), the child still checkpoints and stops.
  const orphaned = (): void => void child.kill('SIGTERM');
  stop?.addEventListener('abort', forward, { once: true });
  process.on('exit', orphaned);
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (c) => resolve(c));
  });
  stop?.removeEventListener('abort', forward);
  process.off('exit', orphaned);
  out.end();
  const signal = stopReason(stop);
  if (signal !== undefined && code === SIGNAL_EXIT_CODES[signal]) {
    log(`${tag}: stopped with a checkpoint (see ${logFile})`);
    return 'stopped';
  }
  if (code !== 0) return `${tag} exited with ${code ?? 'an error'} (see ${logFile})`;
  log(`${tag}: ${seconds(t0)} s`);
  return null;
}
