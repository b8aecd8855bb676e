/**
 * `rlvr serve` under load (autocannon, loopback): a real `rlvr serve` process (2 verifier threads)
 * answers `POST /v1/verify` with MATH items from the verifiers benchmark's generator, at batch sizes 1
 * and 256 and 1 and 64 concurrent connections, against one thread of in-process `math()` on the same
 * items in the same run; then a soak at batch 256 × 8 connections that samples the server's resident
 * memory from its own /metrics. Entries (bench-results/serve.json):
 *   - `serve-math-b<B>-c<C>-items-per-s`: items verified per second (baseline: in-process math()).
 *   - `serve-math-b<B>-c<C>-p50-ms`, `-p99-ms`: request latency; `-non-2xx`: refused requests (503).
 *   - `inprocess-math-items-per-s`: one thread of math() on the same items (median of 3 passes).
 *   - `serve-soak-rss-first-mb`, `-last-mb`, `-max-mb`, `serve-soak-items`: the soak's memory samples.
 *   - `load-average-1m`: the machine's load when the run started (the machine is shared).
 * SERVE_BENCH_SECONDS (default 10) sets each load run's length, SERVE_SOAK_SECONDS (default 30; 300 for
 * the 5-minute soak) the soak's.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { math } from '@rlvr/verifiers';
import { compared, median, standalone, writeResults, type BenchEntry } from '../../../tools/bench/harness.js';
import { mathSet, type Sample } from '../../verifiers/bench/sets.js';

const SECONDS = Number(process.env.SERVE_BENCH_SECONDS ?? 10);
const SOAK_SECONDS = Number(process.env.SERVE_SOAK_SECONDS ?? 30);
const ITEMS = 4096;
const BATCHES = [1, 256];
const CONNECTIONS = [1, 64];

const entries: BenchEntry[] = [standalone('load-average-1m', loadavg()[0]!, 'processes (lower is a quieter machine)')];
const samples = mathSet(ITEMS);

/** One thread of in-process math() over every sample, items per second (median of 3 passes). */
function inProcessRate(set: readonly Sample[]): number {
  const verifier = math();
  const refs = set.map((s) => verifier.parseReference(s.reference));
  const rates: number[] = [];
  for (let pass = 0; pass < 4; pass++) {
    const started = performance.now();
    for (let i = 0; i < set.length; i++) verifier.verify(set[i]!.completion, refs[i]!);
    // The first pass warms the JIT.
    if (pass > 0) rates.push(set.length / ((performance.now() - started) / 1000));
  }
  return median(rates);
}

/** `rlvr serve --port 0` in a child process; resolves with its URL and a stop function. */
async function startServe(): Promise<{ url: string; stop: () => Promise<void> }> {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const wgsl = fileURLToPath(new URL('../../kernels/bench/register-wgsl.mjs', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', wgsl, '--conditions=@rlvr/source', cli, 'serve', '--port', '0', '--threads', '2'],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`rlvr serve ended before listening: ${stderr}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Request bodies of `batch` items each, cycling through the samples. */
function bodies(batch: number): string[] {
  const count = Math.max(1, Math.min(64, Math.floor(ITEMS / batch)));
  return Array.from({ length: count }, (_, b) =>
    JSON.stringify({
      task: 'math',
      items: Array.from({ length: batch }, (_, i) => {
        const s = samples[(b * batch + i) % samples.length]!;
        return { response: s.completion, reference: s.reference };
      }),
    }),
  );
}

/** One autocannon run against /v1/verify. */
async function load(url: string, batch: number, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections,
    duration: seconds,
    requests: bodies(batch).map((body) => ({
      method: 'POST',
      path: '/v1/verify',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  });
}

/** The server's resident memory in MB, from its /metrics. */
async function rssMb(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^rlvr_serve_process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  if (match === null) throw new Error('/metrics has no rlvr_serve_process_resident_memory_bytes');
  return Number(match[1]) / 1e6;
}

const baseline = inProcessRate(samples);
entries.push(standalone('inprocess-math-items-per-s', baseline, 'items/s, one thread (higher is better)'));

const serve = await startServe();
try {
  // Warm-up: the workers' JIT and the server's routes.
  await load(serve.url, 256, 4, 3);
  for (const batch of BATCHES) {
    for (const connections of CONNECTIONS) {
      const result = await load(serve.url, batch, connections, SECONDS);
      const name = `serve-math-b${batch}-c${connections}`;
      const rate = (result['2xx'] * batch) / result.duration;
      entries.push(compared(`${name}-items-per-s`, rate, baseline, 'items/s (higher is better)'));
      entries.push(standalone(`${name}-p50-ms`, result.latency.p50, 'ms per request (lower is better)'));
      entries.push(standalone(`${name}-p99-ms`, result.latency.p99, 'ms per request (lower is better)'));
      entries.push(standalone(`${name}-non-2xx`, result.non2xx + result.errors, 'requests (lower is better)'));
    }
  }
  // Soak: memory sampled every 10 s while the load runs.
  const rss: number[] = [await rssMb(serve.url)];
  const soak = load(serve.url, 256, 8, SOAK_SECONDS);
  const sampler = setInterval(() => void rssMb(serve.url).then((mb) => rss.push(mb)), 10_000);
  const soaked = await soak;
  clearInterval(sampler);
  rss.push(await rssMb(serve.url));
  entries.push(standalone('serve-soak-seconds', soaked.duration, 's'));
  entries.push(standalone('serve-soak-items', soaked['2xx'] * 256, 'items'));
  entries.push(standalone('serve-soak-rss-first-mb', rss[0]!, 'MB (lower is better)'));
  entries.push(standalone('serve-soak-rss-last-mb', rss[rss.length - 1]!, 'MB (lower is better)'));
  entries.push(standalone('serve-soak-rss-max-mb', Math.max(...rss), 'MB (lower is better)'));
  process.stdout.write(`soak RSS samples (MB): ${rss.map((mb) => mb.toFixed(0)).join(' ')}\n`);
} finally {
  await serve.stop();
}

writeResults('serve', entries);
