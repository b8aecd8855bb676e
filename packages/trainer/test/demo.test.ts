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
import { embeddedModelDir, resolveModelPath } from '../src/models/embedded.js';
import { captureIo } from '../src/testing/capture-io.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlvr-demo-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rlvr demo (shortened)', () => {
  test('trains Linear-R from the embedded base, evaluates before and after, writes report and summary.json, prints its path last', async () => {
    const out = join(dir, 'demo');
    const io = captureIo();
    const code = await runCli(['demo', '--max-steps', '3', '--out', out, '--backend', 'cpu'], io);
    expect(io.err()).toMatch(/rlvr demo: linear-r from the embedded Countdown base model, 3 steps/);
    expect(code).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines.at(-1)).toBe(join(out, 'summary.json'));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
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
  }, 240_000);

  test('rejects a bad --max-steps by name', async () => {
    const io = captureIo();
    expect(await runCli(['demo', '--max-steps', '0'], io)).not.toBe(0);
    expect(io.err()).toMatch(/--max-steps/);
  });
});

describe('embedded models', () => {
  test.each(['countdown-base', 'countdown-sft'] as const)('%s is a complete model directory whose weights record the command that made it', (name) => {
    const model = embeddedModelDir(name);
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'PROVENANCE.md']) expect(existsSync(join(model, file))).toBe(true);
    const command = readSafetensorsSync(join(model, 'model.safetensors')).metadata.command!;
    expect(command).toMatch(/^rlvr pretrain --task countdown /);
    expect(readFileSync(join(model, 'PROVENANCE.md'), 'utf8')).toContain(command);
  });

  test('model.path null is the base model; embedded:NAME selects one; unknown names are refused', () => {
    expect(resolveModelPath(null)).toBe(embeddedModelDir('countdown-base'));
    expect(resolveModelPath('embedded:countdown-sft')).toBe(embeddedModelDir('countdown-sft'));
    expect(resolveModelPath('some/dir')).toBe('some/dir');
    expect(() => resolveModelPath('embedded:nope')).toThrow(/unknown embedded model "nope"; expected one of embedded:countdown-base, embedded:countdown-sft/);
  });
});
