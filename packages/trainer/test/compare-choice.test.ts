/**
 * `rlvr compare --task choice`, shortened: the theory regime's comparison from the embedded choice base
 * model (exact ρ per prompt, theory.md beside the library's predictions), in this process and with
 * --parallel in rlvr processes (the built CLI; skipped, loudly, without a build).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../src/cli/run-cli.js';
import { captureIo } from '../src/testing/capture-io.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-compare-choice-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const common = ['--task', 'choice', '--weightings', 'grpo,linear-r', '--seeds', '1', '--max-steps', '4', '--eval-interval', '2', '--backend', 'cpu'];

// The 600 s limits are hang guards, not timings (each run is a few seconds on a quiet machine).
describe('rlvr compare --task choice (shortened)', () => {
  test('exact ρ table, theory.md with both clocks and the figures; every prompt starts near 1/40', async () => {
    const out = join(dir, 'in-process');
    const io = captureIo();
    expect(await runCli(['compare', ...common, '--out', out], io)).toBe(0);
    expect(io.out().trimEnd().split('\n').at(-1)).toBe(join(out, 'results.md'));
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      task: string;
      rule: string;
      rho: { key: string; start: number; final: number }[];
    };
    expect([results.task, results.rule]).toEqual(['choice', 'hidden']);
    expect(results.rho.map((r) => r.key)).toEqual(['grpo', 'linear-r']);
    for (const row of results.rho) {
      expect(row.start).toBeGreaterThan(0.02);
      expect(row.start).toBeLessThan(0.03);
    }
    // Same model, same prompts: the same start for both weightings.
    expect(results.rho[0]!.start).toBe(results.rho[1]!.start);
    const table = readFileSync(join(out, 'results.md'), 'utf8');
    expect(table).toMatch(/\| linear-r \| 1 \| 0\.02\d \|/);
    // One seed: the paired difference has no interval yet, but it is computed and stated.
    expect(table).toMatch(/- asymmetric minus symmetric.* \(linear-r minus grpo\), paired over seeds 1: -?\d+\.\d\d points ± 0\.00 \(95 % t\)/);
    expect(table).toMatch(/- h\(0\) > 0 minus h\(0\) = 0 \(linear-r minus grpo\)/);
    const theory = readFileSync(join(out, 'theory.md'), 'utf8');
    for (const target of ['0.2', '0.5', '0.8']) expect(theory).toContain(`## Target ρ* = ${target}`);
    expect(theory).toMatch(/\| grpo \| 0\.003 \|.*\| 3\.\d\d \| 2\d\.\d\d \|/);
    expect(theory).toMatch(/regular clock, steps until a quarter of the prompts reach ρ\* vs B·T regular: Kendall τ = -?\d\.\d\d/);
    for (const svg of ['rho-vs-step.svg', 'rho-vs-responses.svg', 'prompt-trajectories.svg', 'rho-grpo.svg', 'rho-linear-r.svg']) {
      expect(readFileSync(join(out, svg), 'utf8')).toContain('<svg');
    }
  }, 600_000);

  test('--model starts a Countdown comparison from another model (the search base samples 288 tokens)', async () => {
    const out = join(dir, 'search');
    const args = ['compare', '--weightings', 'linear-r', '--seeds', '1', '--max-steps', '1', '--eval-interval', '1', '--eval-prompts', '4'];
    const io = captureIo();
    expect(await runCli([...args, '--model', 'embedded:countdown-search-base', '--backend', 'cpu', '--out', out], io)).toBe(0);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toMatch(/^# rlvr compare: from embedded:countdown-search-base\n/);
    const config = JSON.parse(readFileSync(join(out, 'runs', 'linear-r', 'seed-1', 'config.json'), 'utf8')) as {
      model: { path: string };
      sampling: { maxNewTokens: number };
    };
    expect([config.model.path, config.sampling.maxNewTokens]).toEqual(['embedded:countdown-search-base', 288]);
  }, 600_000);

  test('refuses the other task’s flags by name, before any run', async () => {
    for (const [args, flag] of [
      [['--task', 'choice', '--regime', 'sft'], '--regime'],
      [['--task', 'choice', '--eval-prompts', '8'], '--eval-prompts'],
      [['--rule', 'copy'], '--rule'],
      [['--task', 'choice', '--rule', 'sorted'], '--rule'],
      [['--task', 'chess'], '--task'],
      [['--task', 'choice', '--model', 'embedded:countdown-search-base'], '--model'],
      [['--model', 'embedded:countdown-search-base', '--regime', 'sft'], '--model'],
    ] as const) {
      const io = captureIo();
      expect(await runCli(['compare', ...args, '--out', join(dir, 'never')], io)).toBe(2);
      expect(io.err()).toContain(flag);
      expect(existsSync(join(dir, 'never'))).toBe(false);
    }
  });

  test('--parallel in this process (not the rlvr command line) says so', async () => {
    const io = captureIo();
    expect(await runCli(['compare', ...common, '--parallel', '2', '--out', join(dir, 'no-cli')], io)).not.toBe(0);
    expect(io.err()).toMatch(/--parallel: this process is not the rlvr command line/);
  });
});

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) console.warn('SKIPPED: compare --parallel needs the built CLI (packages/trainer/dist/cli.js); run `npx nx run @rlvr/trainer:build` first.');

(existsSync(cli) ? describe : describe.skip)('rlvr compare --parallel (the built CLI)', () => {
  test('runs each run in its own rlvr train process, logs to DIR.log, and a second call reuses them', async () => {
    const out = join(dir, 'parallel');
    const run = async () => promisify(execFile)(process.execPath, [cli, 'compare', ...common, '--parallel', '2', '--out', out], { encoding: 'utf8' });
    const first = await run();
    expect(first.stdout.trim()).toBe(join(out, 'results.md'));
    expect(first.stderr).toMatch(/\[1\/2\] grpo lr [\d.e-]+ seed 1: started \(output in .*seed-1\.log\)/);
    for (const w of ['grpo', 'linear-r']) {
      expect(readFileSync(join(out, 'runs', w, 'seed-1.log'), 'utf8')).toMatch(/eval after step 4: .*exact ρ: train/);
      expect(existsSync(join(out, 'runs', w, 'seed-1', 'metrics.jsonl'))).toBe(true);
    }
    const second = await run();
    expect(second.stderr).toMatch(/\[2\/2\] linear-r lr [\d.e-]+ seed 1: finished earlier, reused/);
    expect(second.stderr).not.toMatch(/started/);
  }, 600_000);
});

describe('rlvr pretrain --task choice', () => {
  test('writes a model directory whose PROVENANCE names its command; refuses Countdown flags by name', async () => {
    const out = join(dir, 'choice-model');
    const io = captureIo();
    expect(await runCli(['pretrain', '--task', 'choice', '--out', out, '--steps', '3', '--batch', '8', '--backend', 'cpu'], io)).toBe(0);
    expect(io.out().trim()).toBe(out);
    expect(io.err()).toMatch(/step 3\/3: answer cross-entropy \d\.\d{3} nats \(uniform over 40: 3\.689\)/);
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(existsSync(join(out, file))).toBe(true);
    }
    expect(readFileSync(join(out, 'PROVENANCE.md'), 'utf8')).toContain(`rlvr pretrain --task choice --out ${out} --steps 3 --batch 8 --lr 0.003 --seed 1`);
    for (const [args, flag] of [
      [['--problems', 'embedded:countdown-pretraining'], '--problems'],
      [['--choices', '1'], '--choices'],
    ] as const) {
      const refused = captureIo();
      expect(await runCli(['pretrain', '--task', 'choice', '--out', join(dir, 'never'), ...args], refused)).toBe(2);
      expect(refused.err()).toContain(flag);
    }
    const countdown = captureIo();
    expect(await runCli(['pretrain', '--task', 'countdown', '--out', join(dir, 'never'), '--choices', '20'], countdown)).toBe(2);
    expect(countdown.err()).toMatch(/--choices: only with --task choice/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  }, 600_000);
});
