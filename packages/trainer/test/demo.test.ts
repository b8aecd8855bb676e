/**
 * The README's main job, shortened: `rlvr demo` from the embedded base model for a few steps, and the
 * embedded models themselves (what PROVENANCE.md says about them must hold). The full demo's numbers
 * are measured by running it (README), not here.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensorsSync } from '@rlvr/core';
import { runCli } from '../src/cli/run-cli.js';
import { BASE_PRETRAIN_FLAGS, SEARCH_PRETRAIN_FLAGS } from '../src/commands/pretrain.js';
import { ConfigError } from '../src/config/index.js';
import { embeddedModelDir, resolveModelPath } from '../src/models/embedded.js';
import { captureIo } from '../src/testing/capture-io.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-demo-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The 600 s limits are hang guards, not timings: the demo run below took 194 s on a shared 2-core machine; a CI rehearsal
// with two comparison runs sharing the 2 cores took the compare test past 300 s.
describe('rlvr demo (shortened)', () => {
  test('trains Linear-R from the embedded search base, evaluates before and after, writes report and summary.json; --json prints each record and the summary', async () => {
    const out = join(dir, 'demo');
    const io = captureIo();
    const code = await runCli(['demo', '--max-steps', '3', '--out', out, '--backend', 'cpu', '--json'], io);
    expect(io.err()).toMatch(/rlvr demo: linear-r from embedded:countdown-search-base, 3 steps/);
    expect(code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    // stdout: the metrics.jsonl records as JSON lines, then the end line with the summary and its path.
    const lines = io
      .out()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; step: number });
    const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.slice(0, -1)).toEqual(records);
    expect(lines.slice(0, -1).map((r) => `${r.kind} ${r.step}`)).toEqual(['eval 0', 'step 1', 'step 2', 'step 3', 'eval 3']);
    expect(lines.at(-1)).toEqual({ kind: 'end', runDir: out, checkpoint: join(out, 'checkpoints', 'step-3'), summaryFile: join(out, 'summary.json'), ...summary });
    expect(summary).toMatchObject({ steps: 3, weighting: 'linear-r', heldoutPrompts: 200, report: join(out, 'report.html') });
    for (const key of ['heldoutBefore', 'heldoutAfter', 'meanAccuracyBefore', 'meanAccuracyAfter']) {
      expect(summary[key]).toBeGreaterThanOrEqual(0);
      expect(summary[key]).toBeLessThanOrEqual(1);
    }
    expect(summary.seconds).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
    // The progress lines name the step, the train accuracy and the ρ̂ = 0 share.
    expect(io.err()).toMatch(/step 3\/3 {2}acc \d\.\d{3} {2}ρ̂=0 \d\.\d{2}/);
    expect(io.err()).toMatch(/held-out pass@1 \(greedy\): \d\.\d{3} → \d\.\d{3} over 200 problems/);
  }, 600_000);

  test('rejects a bad --max-steps by name', async () => {
    const io = captureIo();
    expect(await runCli(['demo', '--max-steps', '0'], io)).not.toBe(0);
    expect(io.err()).toMatch(/--max-steps/);
  });
});

describe('rlvr compare (shortened)', () => {
  test('runs every weighting × seed from the same start, writes the table, the JSON and the figures; finished runs are reused', async () => {
    const out = join(dir, 'compare');
    const args = ['compare', '--weightings', 'grpo,linear-r', '--seeds', '1', '--max-steps', '2', '--eval-interval', '1', '--eval-prompts', '40', '--out', out, '--backend', 'cpu'];
    const io = captureIo();
    expect(await runCli(args, io)).toBe(0);
    expect(io.out().trimEnd().split('\n').at(-1)).toBe(join(out, 'results.md'));
    const table = readFileSync(join(out, 'results.md'), 'utf8');
    expect(table).toMatch(/\| grpo \| 1 \| \d+\.\d \| \d+\.\d ± 0\.0 \|/);
    expect(table).toMatch(/\| linear-r \| 1 \|/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { summaries: { weighting: string }[] };
    expect(results.summaries.map((r) => r.weighting)).toEqual(['grpo', 'linear-r']);
    for (const svg of ['accuracy-vs-step.svg', 'accuracy-vs-responses.svg', 'rho-linear-r.svg', 'rho-grpo.svg']) {
      expect(readFileSync(join(out, svg), 'utf8')).toContain('<svg');
    }
    // Both weightings start from the same model: the same greedy held-out accuracy before training.
    const starts = results.summaries.map((r) => (r as unknown as { start: number }).start);
    expect(starts[0]).toBe(starts[1]);
    const again = captureIo();
    expect(await runCli(args, again)).toBe(0);
    expect(again.err()).toMatch(/\[1\/2\] grpo lr [\d.e-]+ seed 1: finished earlier, reused/);
    // Another learning rate is another configuration: the finished run is not taken for it.
    const changed = captureIo();
    const grpoOnly = args.map((a) => (a === 'grpo,linear-r' ? 'grpo' : a));
    expect(await runCli([...grpoOnly, '--lr', '0.002'], changed)).toBe(0);
    expect(changed.err()).not.toMatch(/reused/);
    expect(changed.err()).toMatch(/\[1\/1\] grpo lr 0\.002 seed 1: \d+ s/);
  }, 600_000);

  test('refuses a bad seed list or rate by flag, before any run', async () => {
    for (const [args, flag] of [
      [['--seeds', '1,x'], '--seeds'],
      [['--lr', '-1'], '--lr'],
      [['--regime', 'rl'], '--regime'],
    ] as const) {
      const io = captureIo();
      expect(await runCli(['compare', ...args, '--out', join(dir, 'never')], io)).toBe(2);
      expect(io.err()).toContain(flag);
      expect(existsSync(join(dir, 'never'))).toBe(false);
    }
  });
});

describe('rlvr pretrain flags', () => {
  test('refuses an unknown --number-tokens, and --number-tokens with --sft, by flag and before any work', async () => {
    const out = join(dir, 'never-written');
    let io = captureIo();
    expect(await runCli(['pretrain', '--task', 'countdown', '--out', out, '--number-tokens', 'bytes'], io)).not.toBe(0);
    expect(io.err()).toMatch(/--number-tokens.*whole, digits/);
    io = captureIo();
    expect(await runCli(['pretrain', '--task', 'countdown', '--sft', embeddedModelDir('countdown-base'), '--out', out, '--number-tokens', 'digits'], io)).not.toBe(0);
    expect(io.err()).toMatch(/--number-tokens: not with --sft/);
    io = captureIo();
    expect(await runCli(['pretrain', '--task', 'countdown', '--sft', embeddedModelDir('countdown-base'), '--out', out, '--problems', 'embedded:countdown-pretraining'], io)).toBe(2);
    expect(io.err()).toMatch(/--problems: not with --sft/);
    // A frozen set stands in only for the generator call it records: seed 1's problems, not seed 2's.
    io = captureIo();
    expect(await runCli(['pretrain', '--task', 'countdown', '--out', out, '--seed', '2', '--problems', 'embedded:countdown-pretraining'], io)).toBe(2);
    expect(io.err()).toMatch(/problems: embedded:countdown-pretraining holds the problems of seed \d+, but this run's generator has seed \d+/);
    io = captureIo();
    expect(await runCli(['pretrain', '--task', 'countdown', '--out', out, '--miss-share', '0.5'], io)).toBe(2);
    expect(io.err()).toMatch(/--miss-share: expected a share in \[0, 1\] with --corpus search/);
    io = captureIo();
    expect(await runCli(['pretrain', '--task', 'countdown', '--out', out, '--corpus', 'search', '--model-config', '[1]'], io)).toBe(2);
    expect(io.err()).toMatch(/--model-config: expected a JSON object/);
    io = captureIo();
    expect(await runCli(['pretrain', '--task', 'countdown', '--out', out, '--problems', 'embedded:nope'], io)).toBe(2);
    expect(io.err()).toMatch(/problems: unknown frozen problem set "nope"/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('embedded models', () => {
  test.each(['countdown-base', 'countdown-sft', 'countdown-search-base'] as const)('%s is a complete model directory whose weights record the command that made it', (name) => {
    const model = embeddedModelDir(name);
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'PROVENANCE.md']) expect(existsSync(join(model, file))).toBe(true);
    const command = readSafetensorsSync(join(model, 'model.safetensors')).metadata.command!;
    expect(command).toMatch(/^rlvr pretrain --task countdown /);
    expect(readFileSync(join(model, 'PROVENANCE.md'), 'utf8')).toContain(command);
  });

  test("the base model's PROVENANCE.md names the flags that reproduce it: the metadata's command reading its frozen pretraining problems", () => {
    const provenance = readFileSync(join(embeddedModelDir('countdown-base'), 'PROVENANCE.md'), 'utf8');
    expect(provenance).toContain(`rlvr pretrain --task countdown ${BASE_PRETRAIN_FLAGS}\n`);
    expect(BASE_PRETRAIN_FLAGS).toMatch(/ --problems embedded:countdown-pretraining$/);
  });

  test("the search base model's PROVENANCE.md names the flags that reproduce it", () => {
    const provenance = readFileSync(join(embeddedModelDir('countdown-search-base'), 'PROVENANCE.md'), 'utf8');
    expect(provenance).toMatch(new RegExp(`\\nrlvr pretrain --task countdown --out \\S+ ${SEARCH_PRETRAIN_FLAGS.replace(/[{}()*+?.\\^$|[\]]/g, '\\$&')}\\n`));
    expect(SEARCH_PRETRAIN_FLAGS).toMatch(/ --corpus search /);
  });

  test('model.path null is the base model; embedded:NAME selects one; unknown names are refused', () => {
    expect(resolveModelPath(null)).toBe(embeddedModelDir('countdown-base'));
    expect(resolveModelPath('embedded:countdown-sft')).toBe(embeddedModelDir('countdown-sft'));
    expect(resolveModelPath('some/dir')).toBe('some/dir');
    expect(resolveModelPath('embedded:countdown-search-base')).toBe(embeddedModelDir('countdown-search-base'));
    expect(() => resolveModelPath('embedded:nope')).toThrow(
      /^model\.path: unknown embedded model "nope"; expected one of embedded:countdown-base, embedded:countdown-sft, embedded:countdown-search-base, embedded:choice-base$/,
    );
    expect(() => resolveModelPath('embedded:nope')).toThrow(ConfigError);
  });
});
