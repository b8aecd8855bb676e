/**
 * Runs the planned runs of `rlvr compare`: one after another in this process, or several at once, each
 * in its own `rlvr train` process with one ONNX Runtime thread (`RLVR_CPU_THREADS=1`), which on a CPU
 * machine uses the cores better than one run with many threads (small models do not fill a core's
 * worth of threads). A run already finished in its directory with the same configuration is reused, so
 * an interrupted comparison continues where it stopped.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError, INPUT_EXIT_CODE } from '../cli/cli-error.js';
import { parseTrainConfig, type TrainConfig } from '../config/index.js';
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
      rmSync(run.dir, { recursive: true, force: true });
      const t0 = process.hrtime.bigint();
      try {
        await runTraining({
          config: run.config,
          runDir: run.dir,
          log: (line) => (line.startsWith('eval') ? o.log(`${tag}: ${line}`) : undefined),
        });
      } catch (error) {
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
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const { run, tag } = pending[next++]!;
      const failure = await runChild(run, tag, cliPath, o.log);
      if (failure) failures.push(failure);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel, pending.length) }, worker));
  if (failures.length > 0) {
    throw new CliError(undefined, `${failures.length} run(s) failed: ${failures.join('; ')}`, INPUT_EXIT_CODE);
  }
}

/** One run in a child `rlvr train` process; its output goes to `DIR.log`. Returns a failure message, or null. */
async function runChild(run: PlannedRun, tag: string, cliPath: string, log: (line: string) => void) {
  rmSync(run.dir, { recursive: true, force: true });
  mkdirSync(dirname(run.dir), { recursive: true });
  const configFile = `${run.dir}.config.json`;
  const logFile = `${run.dir}.log`;
  writeFileSync(configFile, `${JSON.stringify(run.config, null, 2)}\n`);
  const t0 = process.hrtime.bigint();
  log(`${tag}: started (output in ${logFile})`);
  const out = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [...process.execArgv, cliPath, 'train', '--config', configFile, '--out', run.dir],
    { env: { ...process.env, RLVR_CPU_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (c) => resolve(c));
  });
  out.end();
  if (code !== 0) return `${tag} exited with ${code ?? 'an error'} (see ${logFile})`;
  log(`${tag}: ${seconds(t0)} s`);
  return null;
}
