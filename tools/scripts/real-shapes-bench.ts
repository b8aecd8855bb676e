/**
 * Usage: npm run bench:real-models -w @rlvr/trainer [-- --models smollm2-135m:full,llama-3.2-1b:lora --rss-cap-gb 14]
 *
 * The whole path on models of real shapes (tools/scripts/real-shapes.ts writes them into
 * scratch/real/<model> when missing), each step a real `rlvr` process on the cpu backend:
 * `rlvr generate`; `rlvr train` on a few GSM8K-format records for 2 steps (checkpoint each step, the
 * newest kept); `rlvr eval` of its step-2 checkpoint; the same run stopped after step 1 and `--resume`d
 * to step 2, compared with the uninterrupted one (every metric but timings, and the step-2
 * checkpoint's tensor files by SHA-256). Checkpoints are deleted once compared: with its AdamW moments
 * a Qwen2.5-0.5B one is 5.7 GB, so one at a time is on the disk. Each process's peak RSS, wall and
 * CPU seconds come from /usr/bin/time -v; the trainer's `memory` line and the load average are
 * recorded. A process above --rss-cap-gb (default 14) is killed and reported as such, so a shared
 * machine is not pushed into swap or the OOM killer.
 * Writes bench-results/real-models.json.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parameterCount, parseDecoderConfig } from '@rlvr/core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const WORK = join(ROOT, 'scratch/real');
const CLI = [
  '--conditions=@rlvr/source',
  '--import',
  'tsx',
  '--import',
  join(ROOT, 'packages/kernels/bench/register-wgsl.mjs'),
  join(ROOT, 'packages/trainer/src/cli.ts'),
];

/** Short GSM8K-format records (question, answer after ####): prompts of a few dozen tokens keep a step cheap. */
const RECORDS = [
  ['Tom has 3 apples and buys 4 more. How many apples?', '3+4=<<3+4=7>>7\n#### 7'],
  ['A box holds 6 eggs. How many eggs in 2 boxes?', '6*2=<<6*2=12>>12\n#### 12'],
  ['Sam had 10 pens and gave away 3. How many are left?', '10-3=<<10-3=7>>7\n#### 7'],
  ['Each cat has 4 legs. How many legs do 5 cats have?', '4*5=<<4*5=20>>20\n#### 20'],
  ['Ann reads 8 pages a day. How many pages in 3 days?', '8*3=<<8*3=24>>24\n#### 24'],
  ['A bag has 9 red and 6 blue balls. How many balls?', '9+6=<<9+6=15>>15\n#### 15'],
];

/** One process's measurements. */
interface ProcessResult {
  args: string[];
  exitCode: number | null;
  killedAtCap: boolean;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  loadAverage: number[];
  memoryLine: string | null;
  tail: string;
}

/** Run `rlvr ARGS` under /usr/bin/time -v, killed above `capBytes` of RSS. */
async function rlvr(args: string[], capBytes: number): Promise<ProcessResult> {
  const load = loadavg();
  const child = spawn('/usr/bin/time', ['-v', process.execPath, ...CLI, ...args], { cwd: ROOT });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let killedAtCap = false;
  const poll = setInterval(() => {
    // The node process is /usr/bin/time's child: its RSS, read while it runs.
    for (const pid of childrenOf(child.pid!)) {
      const rss = rssOf(pid);
      if (rss > capBytes) {
        killedAtCap = true;
        process.kill(pid, 'SIGKILL');
      }
    }
  }, 250);
  const exitCode = await new Promise<number | null>((done) => child.on('close', done));
  clearInterval(poll);
  const field = (label: string): string => output.match(new RegExp(`${label}: (.*)`))?.[1] ?? '0';
  const elapsed = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)')
    .split(':')
    .reduce((s, part) => s * 60 + Number(part), 0);
  return {
    args,
    exitCode,
    killedAtCap,
    wallSeconds: elapsed,
    cpuSeconds: Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)')),
    peakRssBytes: Number(field('Maximum resident set size \\(kbytes\\)')) * 1024,
    loadAverage: load,
    memoryLine: output.match(/^memory: .*$/m)?.[0] ?? null,
    tail: output
      .split('\n')
      .filter((l) => !l.startsWith('\t'))
      .slice(-6)
      .join('\n'),
  };
}

/** Pids whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process's resident set in bytes (0 once it is gone). */
function rssOf(pid: number): number {
  try {
    const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** The step records of a run's metrics.jsonl without their timings. */
function stepMetrics(runDir: string): Record<string, unknown>[] {
  const timings = new Set(['elapsedSeconds', 'phaseSeconds', 'promptsPerSecond', 'tokensPerSecond']);
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.kind === 'step')
    .map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !timings.has(k))));
}

/** Seconds of each step: the sum of its phases (sample, verify, advantages, train, sync) in metrics.jsonl. */
function stepSeconds(runDir: string): number[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string; phaseSeconds: Record<string, number> })
    .filter((r) => r.kind === 'step')
    .map((r) => Object.values(r.phaseSeconds).reduce((a, b) => a + b, 0));
}

/** SHA-256 of each safetensors file of a checkpoint, by file name (streamed: a file may pass 2 GiB). */
async function tensorFileHashes(dir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const f of readdirSync(dir)
    .filter((name) => name.endsWith('.safetensors'))
    .sort()) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(join(dir, f))) hash.update(chunk as Buffer);
    hashes[f] = hash.digest('hex');
  }
  return hashes;
}

/** Bench one model in `mode` (full fine-tune, or LoRA rank 8 on every linear). */
async function benchModel(name: string, mode: 'full' | 'lora', capBytes: number): Promise<Record<string, unknown>> {
  const modelDir = join(WORK, name);
  if (!existsSync(join(modelDir, 'config.json'))) {
    throw new Error(
      `${modelDir} is missing: npx tsx --conditions=@rlvr/source tools/scripts/real-shapes.ts ${WORK} ${name}`,
    );
  }
  const params = parameterCount(parseDecoderConfig(JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'))));
  const work = join(WORK, `bench-${name}-${mode}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const data = join(work, 'gsm8k.jsonl');
  writeFileSync(data, RECORDS.map(([question, answer]) => JSON.stringify({ question, answer })).join('\n') + '\n');
  const train = [
    'train',
    '--model',
    modelDir,
    '--task',
    'gsm8k',
    '--dataset',
    data,
    '--task.test-size',
    '2',
    '--task.template',
    'plain',
    '--sampling.prompts-per-step',
    '2',
    '--sampling.group-size',
    '2',
    '--sampling.max-new-tokens',
    '8',
    '--ppo.micro-batch-size',
    '2',
    // Random weights never answer right: an entropy bonus makes every row train, so each step runs the backward and AdamW.
    '--loss.entropy-coef',
    '0.001',
    '--checkpoint.interval',
    '1',
    // One checkpoint on disk per run: a Qwen2.5-0.5B checkpoint with its AdamW moments is 5.7 GB.
    '--checkpoint.keep',
    '1',
    '--eval.interval',
    '0',
    '--backend',
    'cpu',
    ...(mode === 'lora' ? ['--lora.rank', '8', '--lora.alpha', '16'] : []),
  ];
  const log = (line: string) => console.log(`${name} ${mode}: ${line}`);
  const results: Record<string, ProcessResult> = {};
  const run = async (key: string, args: string[]): Promise<ProcessResult> => {
    const r = await rlvr(args, capBytes);
    results[key] = r;
    log(
      `${key}: exit ${r.exitCode}${r.killedAtCap ? ' (killed at the RSS cap)' : ''}, ${r.wallSeconds.toFixed(0)} s, CPU ${r.cpuSeconds.toFixed(0)} s, peak RSS ${(r.peakRssBytes / 1e9).toFixed(2)} GB`,
    );
    if (r.exitCode !== 0) log(r.tail);
    return r;
  };
  await run('generate', ['generate', '--model', modelDir, '--prompt', RECORDS[0]![0]!, '--max-new-tokens', '8']);
  const whole = join(work, 'whole');
  const trainRun = await run('train', [...train, '--max-steps', '2', '--out', whole]);
  const stopped = join(work, 'resumed');
  let resumeExact: boolean | null = null;
  if (trainRun.exitCode === 0) {
    const step2 = join(whole, 'checkpoints/step-2');
    await run('eval', [
      'eval',
      '--model',
      step2,
      '--task',
      'gsm8k',
      '--dataset',
      data,
      '--n',
      '2',
      '--prompts',
      '2',
      '--max-new-tokens',
      '8',
    ]);
    // The uninterrupted run's checkpoint is compared by hash, so that it is off the disk before the resumed run writes its own.
    const wholeHashes = await tensorFileHashes(step2);
    rmSync(join(whole, 'checkpoints'), { recursive: true, force: true });
    await run('train-1-step', [...train, '--max-steps', '1', '--out', stopped]);
    const resumed = await run('resume', ['train', '--resume', stopped, '--max-steps', '2']);
    if (resumed.exitCode === 0) {
      const resumedHashes = await tensorFileHashes(join(stopped, 'checkpoints/step-2'));
      resumeExact =
        JSON.stringify(stepMetrics(whole)) === JSON.stringify(stepMetrics(stopped)) &&
        Object.keys(wholeHashes).length > 0 &&
        JSON.stringify(wholeHashes) === JSON.stringify(resumedHashes);
    }
    rmSync(join(stopped, 'checkpoints'), { recursive: true, force: true });
  }
  const steps = trainRun.exitCode === 0 ? stepSeconds(whole) : [];
  const secondsPerStep = steps.length > 0 ? steps.reduce((a, b) => a + b, 0) / steps.length : null;
  // CPU seconds a step: the train process's CPU beyond the generate process's (load, sampler start), per step.
  const startup = results.generate?.cpuSeconds ?? 0;
  return {
    model: name,
    parameters: params,
    mode,
    peakRssBytes: trainRun.peakRssBytes,
    bytesPerParameter: trainRun.peakRssBytes / params,
    secondsPerStep,
    cpuSecondsPerStep: steps.length > 0 ? Math.max(0, trainRun.cpuSeconds - startup) / steps.length : null,
    resumeExact,
    memoryLine: trainRun.memoryLine,
    processes: results,
  };
}

/** The command line (see the header). */
async function main(argv: string[]): Promise<void> {
  let cases = ['smollm2-135m:full', 'qwen2.5-0.5b:full', 'llama-3.2-1b:lora'];
  let capGb = 14;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--models') cases = argv[++i]!.split(',');
    else if (argv[i] === '--rss-cap-gb') capGb = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  const date = new Date().toISOString();
  const machine = `${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
  const models: Record<string, unknown>[] = [];
  for (const c of cases) {
    const [name, mode] = c.split(':') as [string, 'full' | 'lora'];
    models.push(await benchModel(name, mode ?? 'full', capGb * 1e9));
  }
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const file = join(ROOT, 'bench-results/real-models.json');
  // Earlier invocations' cases stay unless this one measured them again (one model at a time fits a small machine).
  const earlier = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { models: Record<string, unknown>[] }).models
    : [];
  const key = (m: Record<string, unknown>) => `${String(m.model)}:${String(m.mode)}`;
  const measured = new Set(models.map(key));
  const all = [...earlier.filter((m) => !measured.has(key(m))), ...models.map((m) => ({ ...m, date, machine }))];
  writeFileSync(file, `${JSON.stringify({ rssCapBytes: capGb * 1e9, models: all }, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

await main(process.argv.slice(2));
