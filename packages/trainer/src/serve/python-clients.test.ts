/**
 * The Python integrations of examples/python/rlvr_client.py (verl's custom_reward_function and its
 * batched variant, a TRL reward_funcs callable, OpenRLHF's remote reward request, the verl advantage
 * estimator's grouping), each run by this machine's python3 against a live server.
 */
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer, type RlvrServer } from './server.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/python/', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./__fixtures__/python_clients.py', import.meta.url));

function python3Version(): string | undefined {
  try {
    return execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const version = python3Version();
if (version === undefined && process.env.RLVR_REQUIRE_PYTHON === '1') {
  // CI installs python3 and sets this, so a missing interpreter there fails instead of skipping.
  throw new Error('python-clients.test.ts: RLVR_REQUIRE_PYTHON=1 but python3 is not on PATH');
}
if (version === undefined) {
  // Not a pass: the skipped test names why, in every jest summary.
  console.warn('python-clients.test.ts: python3 is not on PATH; the Python integrations were not run');
}
const withPython = version === undefined ? test.skip : test;

let server: RlvrServer;
beforeAll(async () => {
  server = await startServer({ port: 0, threads: 1 });
});
afterAll(async () => {
  await server?.close();
});

withPython(`verl, TRL, OpenRLHF and the advantage estimator against a live server (${version ?? 'no python3'})`, async () => {
  const { stdout } = await promisify(execFile)('python3', [SCRIPT, EXAMPLES, server.url], {
    env: { ...process.env, RLVR_SERVE_URL: server.url, RLVR_TASK: '' },
  });
  const out = JSON.parse(stdout) as Record<string, unknown>;
  expect(out.verl).toEqual([
    { score: 1, acc: true, pred: '18' },
    { score: 1, acc: true, pred: '\\frac12' },
    { score: 1, acc: true, pred: '(3 + 5) * 3' },
    { score: 0, acc: false, pred: '17' },
  ]);
  expect(out.verl_batch).toEqual([
    { score: 1, acc: true, pred: '7' },
    { score: 0, acc: false, pred: '3' },
  ]);
  expect(out.trl_name).toBe('rlvr_gsm8k');
  expect(out.trl).toEqual([1, 0, 0]);
  expect(out.trl_missing_column).toMatch(/no column 'solution' \(columns: answer\)/);
  expect(out.openrlhf).toEqual({ rewards: [1], scores: [1], extra_logs: { correct: [1], format_ok: [1], timeout: [0] } });
  // Group a = (1, 0): ρ̂ = 1/2, Linear-R gives (1−ρ̂)/ρ̂ = 1 and −1; group b = (0, 0): −h(0) = −1 each.
  expect(out.advantages).toEqual({ advantages: [1, -1, -1, -1], rho: { a: 0.5, b: 0 } });
  expect(out.advantages_uneven).toMatch(/groups of different sizes \[1, 2\]/);
  expect(out.unknown_task).toMatch(/POST \/v1\/verify: 400 body\.items\[0\]\.task: unknown task "my-dataset"/);
});
