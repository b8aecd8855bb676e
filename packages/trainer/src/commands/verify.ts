import { constants, createReadStream, openSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { VerifierPool, defaultRegistry, type PoolItem, type VerificationResult, type Verifier } from '@rlvr/verifiers';
import type { CliStream, Command } from '../cli/command.js';
import { defineCommand } from '../cli/define-command.js';
import { stopReason } from '../cli/graceful-stop.js';
import { requireReadableFile } from '../cli/input-files.js';
import { refuseOutputOverInput } from '../cli/output-paths.js';
import { parseChoice, parseInteger } from '../cli/parse-options.js';
import { STDIN, stdinOf } from '../cli/standard-input.js';
import { openAtomicOutput, type AtomicOutput } from '../cli/write-output.js';
import { InterruptedError, StorageError, errnoCode } from '../errors.js';

/** The tasks `rlvr verify --task` accepts: the names of the built-in verifiers. */
export const VERIFY_TASKS = ['countdown', 'gsm8k', 'math', 'math-flexible'] as const;
/** One of {@link VERIFY_TASKS}. */
export type VerifyTask = (typeof VERIFY_TASKS)[number];

/** What `rlvr verify --on-malformed` does with a line that is not an item: answer it with an error line, or skip it. */
export const MALFORMED_MODES = ['record', 'skip'] as const;

/** How many skipped line numbers the summary lists (the count is always exact). */
const SKIPPED_SHOWN = 5;

const OPTIONS = {
  task: { type: 'string', value: 'TASK', required: true, description: `Verifier: ${VERIFY_TASKS.join(', ')}.` },
  input: {
    type: 'string',
    value: 'FILE',
    required: true,
    description: 'JSONL input, one {"response": "...", "reference": ...} per line; - reads standard input.',
  },
  output: {
    type: 'string',
    value: 'FILE',
    description:
      'Write the results here instead of stdout: replaced whole once complete (or, on Ctrl-C, with the lines done); never the --input file.',
  },
  'on-malformed': {
    type: 'string',
    value: 'MODE',
    description:
      'A line that is not {"response", "reference"}: record (an {"error", "line"} output line, default) or skip (no output line; the summary counts them and lists the first line numbers).',
  },
  'timeout-ms': {
    type: 'string',
    value: 'N',
    description: 'Per-item time limit in ms; an item over it gets reward 0, reason "timeout" (default 2000).',
  },
  threads: { type: 'string', value: 'N', description: 'Worker threads (default min(2, cores)).' },
} as const;

const DESCRIPTION = [
  'Score a JSONL file of responses with a built-in verifier, on worker threads with a per-item time limit.',
  'Input lines: {"response": "...", "reference": ...}; the reference is {"target": 24, "nums": [...]} for',
  'countdown and a string (answer or full solution) for gsm8k and math. math reads an answer tag, a box or an',
  'answer phrase only (the reward policy); math-flexible also the last formula or number (for evaluation).',
  'One output line per input line,',
  'in input order: {"reward": r, "correct": bool, "formatOk": bool, "extracted": "..." | null, "reason": "..."},',
  'or {"error": "...", "line": N} for a line that is not such an object (the run continues). A one-line',
  'summary goes to stderr. The input is streamed, so files of any size work. Ctrl-C or SIGTERM stops reading:',
  'the lines read so far are verified and written (whole lines), the summary says how many, exit 130 / 143.',
].join('\n');

const EXAMPLES = [
  'rlvr verify --task gsm8k --input samples.jsonl',
  'my-sampler | rlvr verify --task math --input - > rewards.jsonl',
  'rlvr verify --task countdown --input rollouts.jsonl --output rewards.jsonl --timeout-ms 500 --threads 2',
];

// Lines are sent to the pool in batches, and the next batch is read and parsed while the previous
// one is verified. A batch ends at whichever limit comes first: enough items to keep every worker
// busy, or a character budget so that a file of huge responses cannot fill memory.
const BATCH_LINES = 4096;
const BATCH_CHARS = 32 * 1024 * 1024;

/** Options of {@link verifyJsonl}. */
export interface VerifyJsonlOptions {
  /** Name of the verifier (a built-in, or one registered by `modules`). */
  task: string;
  /** Path of the JSONL input; `-` reads `stdin`. */
  input: string;
  /** The stream an input of `-` reads (default: the process's standard input). */
  stdin?: NodeJS.ReadableStream;
  /** Where output lines go. */
  output: CliStream;
  /** Per-item time limit in ms; the pool's default when absent. */
  timeoutMs?: number;
  /** Worker threads; the pool's default when absent. */
  threads?: number;
  /** Extra verifier modules for the workers (see `VerifierPoolOptions.modules`). */
  modules?: readonly (string | URL)[];
  /** Malformed lines: an error output line (`record`, default) or none (`skip`). */
  onMalformed?: (typeof MALFORMED_MODES)[number];
  /** Stop reading when aborted; the lines read so far are still verified and written. */
  signal?: AbortSignal;
}

/** Counts of a {@link verifyJsonl} run, for the summary line. */
export interface VerifySummary {
  /** Input lines read. */
  lines: number;
  /** Lines that were verified (the others were malformed). */
  verified: number;
  /** Verified lines judged correct. */
  correct: number;
  /** Sum of the rewards of the verified lines. */
  rewardSum: number;
  /** Lines that were not items: answered with `{"error", "line"}`, or skipped with `--on-malformed skip`. */
  malformed: number;
  /** With `--on-malformed skip`: the first line numbers skipped (at most 5; `malformed` counts them all). */
  skippedLines: number[];
  /** Output lines written. */
  written: number;
  /** True when a stop signal ended the reading before the end of the input. */
  stopped: boolean;
  /** Verified lines whose check failed (`error: …`). */
  errors: number;
  /** Verified lines whose check ran past the time limit. */
  timeouts: number;
  /** Wall time in seconds. */
  seconds: number;
}

/** One input line: either an item to verify or the reason it cannot be. */
type Parsed = { item: PoolItem } | { error: string };

/**
 * Stream `input` through a {@link VerifierPool}, writing one JSON line per input line to `output`
 * in input order; returns the counts. Throws a CliError only when the input cannot be read.
 */
export async function verifyJsonl(options: VerifyJsonlOptions): Promise<VerifySummary> {
  const started = performance.now();
  const stdin = options.input === STDIN ? (options.stdin ?? process.stdin) : undefined;
  if (stdin === undefined) requireReadableFile('--input', options.input);
  const skip = options.onMalformed === 'skip';
  // The main thread checks references with the same parser the workers use, so that a bad reference
  // is reported as a bad input line (a data problem) rather than as a zero reward.
  const registry = defaultRegistry();
  const verifier = registry.has(options.task) ? registry.get(options.task) : undefined;
  const summary: VerifySummary = {
    lines: 0,
    verified: 0,
    correct: 0,
    rewardSum: 0,
    malformed: 0,
    skippedLines: [],
    written: 0,
    stopped: false,
    errors: 0,
    timeouts: 0,
    seconds: 0,
  };
  const pool = new VerifierPool({ timeoutMs: options.timeoutMs, threads: options.threads, modules: options.modules });
  try {
    let pending: Promise<void> = Promise.resolve();
    let batch: Parsed[] = [];
    let firstLine = 1;
    let chars = 0;
    const flush = async () => {
      const parsed = batch;
      const first = firstLine;
      batch = [];
      chars = 0;
      firstLine = summary.lines + 1;
      const scoring = pool.score(parsed.flatMap((p) => ('item' in p ? [p.item] : [])));
      // Output must stay in input order: the previous batch is written before this one.
      await pending;
      pending = scoring.then((results) => write(options.output, render(parsed, results, first, summary, skip)));
      // Awaited at the next flush; until then a failure must not count as an unhandled rejection.
      pending.catch(() => undefined);
    };
    for await (const line of readLines(stdin ?? openInput(options.input), options.signal)) {
      summary.lines++;
      const parsed = parseLine(line, options.task, verifier);
      batch.push(parsed);
      if ('item' in parsed) chars += parsed.item.completion.length;
      if (batch.length >= BATCH_LINES || chars >= BATCH_CHARS) await flush();
      if (options.signal?.aborted) break;
    }
    summary.stopped = options.signal?.aborted === true;
    if (batch.length > 0) await flush();
    await pending;
  } finally {
    await pool.close();
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** The output lines of one batch; updates the counts. */
function render(
  parsed: readonly Parsed[],
  results: readonly VerificationResult[],
  firstLine: number,
  summary: VerifySummary,
  skip: boolean,
): string {
  let text = '';
  let next = 0;
  parsed.forEach((entry, i) => {
    if ('error' in entry) {
      summary.malformed++;
      if (skip) {
        if (summary.skippedLines.length < SKIPPED_SHOWN) summary.skippedLines.push(firstLine + i);
        return;
      }
      summary.written++;
      text += `${JSON.stringify({ error: entry.error, line: firstLine + i })}\n`;
      return;
    }
    summary.written++;
    const r = results[next++]!;
    summary.verified++;
    summary.rewardSum += r.reward;
    if (r.correct) summary.correct++;
    if (r.reason === 'timeout') summary.timeouts++;
    else if (r.reason.startsWith('error:')) summary.errors++;
    // Fixed key order: other tools read this format.
    text += `${JSON.stringify({ reward: r.reward, correct: r.correct, formatOk: r.formatOk, extracted: r.extracted, reason: r.reason })}\n`;
  });
  return text;
}

function parseLine(line: string, task: string, verifier: Verifier | undefined): Parsed {
  if (line.trim() === '') return { error: 'empty line; expected {"response": "...", "reference": ...}' };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { error: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'expected a JSON object {"response": "...", "reference": ...}' };
  }
  const { response, reference } = value as { response?: unknown; reference?: unknown };
  if (typeof response !== 'string') {
    return { error: response === undefined ? '"response" is missing' : '"response" must be a string' };
  }
  if (reference === undefined) return { error: '"reference" is missing' };
  if (verifier !== undefined) {
    try {
      verifier.parseReference(reference);
    } catch (error) {
      return { error: `"reference": ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { item: { verifier: task, completion: response, reference } };
}

/**
 * The lines of a UTF-8 stream (a file, a pipe, standard input), streamed (a 1 GB file is never held in memory). A final newline ends
 * the last line rather than starting an empty one; a `\r` before a newline is dropped. When `signal`
 * aborts, the lines end at once, even while a pipe or FIFO waits for data; an incomplete last line
 * read before the stop is dropped (it is not a whole line).
 */
async function* readLines(stream: NodeJS.ReadableStream, signal?: AbortSignal): AsyncGenerator<string> {
  stream.setEncoding('utf8');
  const chunks = (stream as AsyncIterable<string>)[Symbol.asyncIterator]();
  const stopped = new Promise<IteratorResult<string>>((resolve) => {
    if (signal?.aborted) resolve({ done: true, value: undefined });
    signal?.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
  });
  let carry = '';
  try {
    for (;;) {
      const read = chunks.next();
      // The read that loses the race to a stop settles when the stream is destroyed; nobody awaits it.
      read.catch(() => undefined);
      const next = await Promise.race([read, stopped]);
      if (next.done) break;
      const chunk = next.value;
      let start = 0;
      for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
        yield withoutCr(carry + chunk.slice(start, newline));
        carry = '';
        start = newline + 1;
      }
      carry += chunk.slice(start);
    }
  } finally {
    (stream as Partial<Readable>).destroy?.();
  }
  if (carry !== '' && !signal?.aborted) yield withoutCr(carry);
}

/**
 * A readable stream of `path` in UTF-8. A FIFO or pipe (`<(…)`) is read as a socket: a file stream would
 * block a thread-pool read while the writer is silent, which keeps the process alive after a stop.
 * Its open still waits for a writer, as `cat` does.
 */
function openInput(path: string): Readable {
  if (!statSync(path).isFIFO()) return createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const socket = new Socket({ fd: openSync(path, constants.O_RDONLY), readable: true, writable: false });
  socket.setEncoding('utf8');
  return socket;
}

function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** A stream as far as {@link write} looks at it: Node's writable streams have these, a test capture does not. */
type Drainable = CliStream &
  Partial<Pick<NodeJS.WritableStream, 'once' | 'removeListener'>> & { errored?: Error | null };

/**
 * Write, waiting for 'drain' when the stream asks for it, so a slow reader of stdout bounds memory.
 * A stream that failed (a full disk) rejects instead of waiting for a 'drain' that never comes.
 */
async function write(stream: Drainable, text: string): Promise<void> {
  if (text === '') return;
  if (stream.errored) throw stream.errored;
  const ok = stream.write(text);
  if (ok !== false || typeof stream.once !== 'function') return;
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      stream.removeListener?.('drain', done);
      stream.removeListener?.('close', done);
      if (stream.errored) reject(stream.errored);
      else resolve();
    };
    stream.once!('drain', done);
    stream.once!('close', done);
  });
}

/** The stderr summary line of a run. */
export function formatVerifySummary(task: string, s: VerifySummary): string {
  const percent = s.verified === 0 ? 0 : (100 * s.correct) / s.verified;
  const mean = s.verified === 0 ? 0 : s.rewardSum / s.verified;
  const rate = s.seconds > 0 ? Math.round(s.lines / s.seconds) : 0;
  const stopped = s.stopped ? `stopped after ${s.lines} lines read, ${s.written} lines written; ` : '';
  const line =
    `rlvr verify: ${task}: ${stopped}${s.lines} lines, ${s.verified} verified, ${s.correct} correct (${percent.toFixed(1)}%), ` +
    `mean reward ${mean.toFixed(4)}, errors ${s.malformed + s.errors} (${s.malformed} malformed lines, ${s.errors} verifier errors), ` +
    `${s.timeouts} timeouts, ${s.seconds.toFixed(2)} s (${rate} lines/s)\n`;
  if (s.skippedLines.length === 0) return line;
  const more = s.malformed > s.skippedLines.length ? ', …' : '';
  return `${line}rlvr verify: skipped ${s.malformed} malformed lines (line ${s.skippedLines.join(', ')}${more})\n`;
}

/** `rlvr verify`: score a JSONL file of responses with a built-in verifier. */
export const verifyCommand: Command = defineCommand({
  name: 'verify',
  summary: 'Score a JSONL file of responses with the countdown, gsm8k or math verifier (JSONL out).',
  description: DESCRIPTION,
  options: OPTIONS,
  examples: EXAMPLES,
  async execute(options, io) {
    const task = parseChoice('--task', options.task!, VERIFY_TASKS);
    const timeoutMs =
      options['timeout-ms'] === undefined ? undefined : parseInteger('--timeout-ms', options['timeout-ms'], 1);
    const threads = options.threads === undefined ? undefined : parseInteger('--threads', options.threads, 1);
    const onMalformed =
      options['on-malformed'] === undefined
        ? 'record'
        : parseChoice('--on-malformed', options['on-malformed'], MALFORMED_MODES);
    // Checked before --output is created, so that a typo in --input does not create an output file.
    if (options.input !== STDIN) requireReadableFile('--input', options.input!);
    if (options.output !== undefined && options.input !== STDIN) {
      refuseOutputOverInput({ flag: '--output', path: options.output }, [{ flag: '--input', path: options.input! }]);
    }
    const path = options.output;
    const consequence = `nothing was written; ${path} is as it was`;
    const file: AtomicOutput | undefined = path === undefined ? undefined : await openAtomicOutput(path, consequence);
    const signal = io.stop?.claim('stopping: writing the lines read so far');
    let summary: VerifySummary;
    try {
      summary = await verifyJsonl({
        task,
        input: options.input!,
        stdin: stdinOf(io),
        output: file?.stream ?? io.stdout,
        timeoutMs,
        threads,
        onMalformed,
        signal,
      });
    } catch (error) {
      file?.abort();
      if (path !== undefined && errnoCode(error) !== undefined) {
        throw new StorageError(path, 'write', error, consequence);
      }
      throw error;
    }
    await file?.commit();
    io.stderr.write(formatVerifySummary(task, summary));
    const stop = stopReason(signal);
    if (stop !== undefined && summary.stopped) {
      throw new InterruptedError(
        stop,
        `stopped by ${stop} after ${summary.lines} input lines; ${summary.written} result lines written to ${path ?? 'stdout'}, each whole; run again to verify the rest`,
      );
    }
    return 0;
  },
});
