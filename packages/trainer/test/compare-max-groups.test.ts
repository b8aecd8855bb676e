/**
 * `rlvr compare --task choice --max-groups N`, shortened: every run samples until a group holds a
 * success (at most N groups), its sampled-responses clock counts every group drawn, and theory.md's
 * `simulate` uses the same sampling.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli/run-cli.js';
import type { TrainConfig } from '../src/config/index.js';
import { readMetrics } from '../src/metrics/index.js';
import { captureIo } from '../src/testing/capture-io.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-compare-max-groups-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The 600 s limit is a hang guard, not a timing (the run is a few seconds on a quiet machine).
test('--max-groups 3: the runs draw again for prompts without a success and theory.md simulates the same', async () => {
  const out = join(dir, 'groups');
  const io = captureIo();
  const args = ['--task', 'choice', '--weightings', 'linear-r', '--seeds', '1', '--max-steps', '2', '--eval-interval', '2'];
  expect(await runCli(['compare', ...args, '--max-groups', '3', '--backend', 'cpu', '--out', out], io)).toBe(0);
  const runDir = join(out, 'runs', 'linear-r', 'seed-1');
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as TrainConfig;
  expect(config.sampling.maxGroups).toBe(3);
  const { steps } = await readMetrics(join(runDir, 'metrics.jsonl'));
  const { promptsPerStep, groupSize } = config.sampling;
  let drawn = 0;
  for (const s of steps) {
    // At ρ₀ ≈ 1/40 most groups of 8 have no success, so most prompts draw again.
    expect(s.extraGroups).toBeGreaterThan(0);
    expect(s.extraGroups).toBeLessThanOrEqual(2 * promptsPerStep);
    drawn += (promptsPerStep + s.extraGroups!) * groupSize;
    expect(s.sampledResponses).toBe(drawn);
    expect(s.rhoHistogram.reduce((a, b) => a + b, 0)).toBe(promptsPerStep);
  }
  const theory = readFileSync(join(out, 'theory.md'), 'utf8');
  expect(theory).toContain('until-success sampling (at most 3 groups per prompt and step)');
  expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))).toMatchObject({ maxGroups: 3 });
}, 600_000);

test('--max-groups takes an integer ≥ 1', async () => {
  const io = captureIo();
  expect(await runCli(['compare', '--task', 'choice', '--max-groups', '0', '--out', join(dir, 'never')], io)).toBe(2);
  expect(io.err()).toContain('--max-groups');
});
