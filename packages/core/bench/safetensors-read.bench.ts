/**
 * Loading a safetensors file larger than 2 GiB: a Qwen2.5-1.5B-sized BF16 file (an embedding of
 * 151,936 × 1,536 and 75 tensors of 1,536 × 8,960, 2.53 GB), generated on the fly in the temporary
 * directory (env RLVR_BENCH_DIR overrides it) and deleted after. Each measurement runs in a child
 * process (this file with RLVR_ST_BENCH_CHILD set), so that its peak RSS (`process.resourceUsage().maxRSS`)
 * is its own. Entries (bench-results/core.json):
 *   - `safetensors-read-bf16-throughput`: MB/s (10⁶ B of file per second) of `readSafetensorsSync` (every
 *     tensor converted to Float32) against a plain positioned read of the same file in 16 MiB chunks,
 *     measured in the same run; the file was just written, so both read from the page cache.
 *   - `safetensors-read-bf16-peak-rss`: peak RSS of the child that called `readSafetensorsSync`, against
 *     the file size (the Float32 result alone is twice the BF16 file, so 2 is the floor of the ratio).
 *   - `safetensors-read-bf16-per-tensor-peak-rss`: peak RSS when the tensors are read one at a time with
 *     `openSafetensorsSync` and dropped (what a loader copying each tensor into its own store holds),
 *     against the file size.
 *   - `safetensors-read-bf16-cpu-vs-allocation`: CPU seconds of that per-tensor read against a child
 *     that only allocates and fills each tensor's Float32 result: first-touching gigabytes of fresh memory
 *     is a cost every loader pays, so a ratio near 1 says reading and converting add little to it.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compared, writeResults } from '../../../tools/bench/harness.js';
import { openSafetensorsSync, readSafetensorsSync } from '../src/index.js';

const HIDDEN = 1536;
const SHAPES: [string, number[]][] = [
  ['model.embed_tokens.weight', [151936, HIDDEN]],
  ...Array.from({ length: 75 }, (_, i): [string, number[]] => [`model.mlp.${i}.weight`, [HIDDEN, 8960]]),
];
const CHUNK = 16 * 2 ** 20;

/** What a child prints as its last line. */
interface ChildReport {
  seconds: number;
  /** User + system CPU seconds of the load: on a shared machine, wall time also counts waiting for a core. */
  cpuSeconds: number;
  peakRssBytes: number;
  tensors: number;
}

/** Writes the BF16 file at `path` (pseudo-random finite bf16 values, one 16 MiB pattern repeated); returns its size. */
function generate(path: string): number {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of SHAPES) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = JSON.stringify(header);
  const text = new TextEncoder().encode(json.padEnd(Math.ceil(json.length / 8) * 8));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(text.length), true);
  const pattern = new Uint16Array(CHUNK / 2);
  let x = 0x9e3779b9;
  for (let i = 0; i < pattern.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    pattern[i] = 0x3c00 + ((x >>> 0) % 0x0800); // |v| in [2^-7, 2^9): finite, normal
  }
  const bytes = new Uint8Array(pattern.buffer);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, prefix);
    writeSync(fd, text);
    for (let left = offset; left > 0; left -= CHUNK) writeSync(fd, bytes, 0, Math.min(CHUNK, left));
  } finally {
    closeSync(fd);
  }
  return statSync(path).size;
}

/** Seconds to read the file with positioned reads into one 16 MiB buffer (no decoding): the ceiling. */
function rawReadSeconds(path: string): number {
  const buffer = new Uint8Array(CHUNK);
  const fd = openSync(path, 'r');
  const start = process.hrtime.bigint();
  try {
    for (let position = 0, n = 1; n > 0; position += n) n = readSync(fd, buffer, 0, CHUNK, position);
  } finally {
    closeSync(fd);
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** One load in this process; prints a {@link ChildReport}. */
function child(mode: string, path: string): void {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let tensors = 0;
  if (mode === 'alloc') {
    for (const [, shape] of SHAPES) {
      if (new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1).length > 0) tensors++;
    }
  } else if (mode === 'whole') {
    tensors = Object.keys(readSafetensorsSync(path).tensors).length;
  } else {
    const reader = openSafetensorsSync(path);
    try {
      for (const name of reader.names) {
        if (reader.read(name).data.length > 0) tensors++;
      }
    } finally {
      reader.close();
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const report: ChildReport = { seconds, cpuSeconds, peakRssBytes: process.resourceUsage().maxRSS * 1024, tensors };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Runs one load (`whole`, `per-tensor` or `alloc`, the baseline) in a child process and returns its report. */
function runChild(mode: string, path: string): ChildReport {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, RLVR_ST_BENCH_CHILD: mode, RLVR_ST_BENCH_FILE: path },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`safetensors bench child (${mode}) failed (status ${r.status}): ${r.stdout}`);
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
  if (report.tensors !== SHAPES.length) {
    throw new Error(`child read ${report.tensors} tensors, expected ${SHAPES.length}`);
  }
  return report;
}

/** Generates the file, measures, records the entries and deletes the file. */
function parent(): void {
  const dir = mkdtempSync(join(process.env.RLVR_BENCH_DIR ?? tmpdir(), 'rlvr-st-bench-'));
  const path = join(dir, 'model.safetensors');
  try {
    const size = generate(path);
    const gb = (b: number) => (b / 1e9).toFixed(2);
    process.stdout.write(`safetensors read bench: ${gb(size)} GB BF16 file, ${SHAPES.length} tensors, in ${dir}\n`);
    const raw = size / 1e6 / rawReadSeconds(path);
    const whole = runChild('whole', path);
    const perTensor = runChild('per-tensor', path);
    const alloc = runChild('alloc', path);
    const mbps = size / 1e6 / whole.seconds;
    process.stdout.write(
      `  readSafetensorsSync: ${mbps.toFixed(0)} MB/s (${(size / 1e6 / whole.cpuSeconds).toFixed(0)} MB per CPU second; plain read ${raw.toFixed(0)} MB/s), peak RSS ${gb(whole.peakRssBytes)} GB\n` +
        `  one tensor at a time: ${(size / 1e6 / perTensor.seconds).toFixed(0)} MB/s (${(size / 1e6 / perTensor.cpuSeconds).toFixed(0)} MB per CPU second), peak RSS ${gb(perTensor.peakRssBytes)} GB\n` +
        `  allocating and filling the same Float32 tensors: ${alloc.cpuSeconds.toFixed(1)} CPU s (${alloc.seconds.toFixed(1)} s), against ${perTensor.cpuSeconds.toFixed(1)} CPU s (${perTensor.seconds.toFixed(1)} s) to read them\n`,
    );
    const what = `a ${gb(size)} GB BF16 safetensors file (${SHAPES.length} tensors, the largest 151,936 × 1,536) from the page cache`;
    writeResults('core', [
      compared(
        'safetensors-read-bf16-throughput',
        mbps,
        raw,
        `MB/s of file read and converted to Float32 by readSafetensorsSync (higher is better; baseline = positioned reads of the same file in 16 MiB chunks without decoding), ${what}`,
      ),
      compared(
        'safetensors-read-bf16-peak-rss',
        whole.peakRssBytes,
        size,
        `bytes of peak RSS of a process loading ${what} with readSafetensorsSync (lower is better; baseline = the file size; the Float32 result alone is 2× the file)`,
      ),
      compared(
        'safetensors-read-bf16-per-tensor-peak-rss',
        perTensor.peakRssBytes,
        size,
        `bytes of peak RSS of a process reading ${what} one tensor at a time with openSafetensorsSync, each dropped after its read (lower is better; baseline = the file size)`,
      ),
      compared(
        'safetensors-read-bf16-cpu-vs-allocation',
        perTensor.cpuSeconds,
        alloc.cpuSeconds,
        `CPU seconds (user + system) to read ${what} one tensor at a time (lower is better; baseline = CPU seconds to allocate and fill the same Float32 tensors, one at a time)`,
      ),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mode = process.env.RLVR_ST_BENCH_CHILD;
if (mode) child(mode, process.env.RLVR_ST_BENCH_FILE!);
else parent();
