/**
 * The trainer README's custom-verifier example, run as written: `rlvr train` with
 * examples/custom-verifier/config.json (a custom correctness verifier module and two weighted reward
 * functions) on a tiny model for two steps, then `rlvr eval --verifier` on its checkpoint; and the
 * errors of a missing verifier module or one without a Verifier default export.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/run-cli.js';
import { captureIo } from '../src/testing/capture-io.js';
import type { StepMetrics } from '../src/metrics/index.js';
import { metricsOf, tinyRun } from './tiny-run.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLE = 'packages/trainer/examples/custom-verifier';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('README example: a custom verifier and two weighted rewards', () => {
  test('the README shows examples/custom-verifier/config.json as it is', () => {
    const readme = readFileSync(join(REPO, 'packages/trainer/README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('A custom verifier and two weighted rewards, as'));
    const block = /```json\n([\s\S]*?)```/.exec(section);
    expect(block).not.toBeNull();
    const config: unknown = JSON.parse(readFileSync(join(REPO, EXAMPLE, 'config.json'), 'utf8'));
    expect(JSON.parse(block![1]!)).toEqual(config);
  });

  const run = tinyRun();
  const cwd = process.cwd();
  beforeAll(() => process.chdir(REPO));
  afterAll(() => {
    process.chdir(cwd);
    run.cleanup();
  });

  test('rlvr train --config examples/custom-verifier/config.json logs each reward and trains on their weighted sum', async () => {
    const out = join(run.root, 'sums');
    const r = await cli('train', '--config', `${EXAMPLE}/config.json`, '--model', run.modelDir, '--out', out, '--max-steps', '2');
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const steps = metricsOf(out).filter((m): m is StepMetrics => m.kind === 'step');
    expect(steps).toHaveLength(2);
    for (const m of steps) {
      expect(Object.keys(m.rewards!).sort()).toEqual(['bare-number', 'last-number']);
      // The reward is Σ weight × component, so its mean is the weighted sum of the components' means.
      expect(m.rewardMean).toBeCloseTo(0.8 * m.rewards!['last-number']! + 0.2 * m.rewards!['bare-number']!, 12);
      // Success is the correctness verifier's verdict (last-number), never the weighted total.
      expect(m.accuracy).toBeCloseTo(m.rewards!['last-number']!, 12);
      expect(m.truncatedFraction).toBeGreaterThanOrEqual(0);
    }

    const evaluated = await cli(
      'eval',
      '--model',
      join(out, 'checkpoints', 'step-2'),
      '--task',
      'choice',
      '--dataset',
      `${EXAMPLE}/sums.jsonl`,
      '--verifier',
      `${EXAMPLE}/last-number.mjs`,
      '--template',
      'plain',
      '--n',
      '2',
      '--prompts',
      '3',
      '--max-new-tokens',
      '8',
    );
    expect(evaluated.code).toBe(0);
    const record = JSON.parse(evaluated.out) as { prompts: number; meanAccuracy: number };
    expect(record.prompts).toBe(3);
  });

  test('a missing verifier module and one without a Verifier default export are configuration errors naming the key and file', async () => {
    const missing = await cli('train', '--config', `${EXAMPLE}/config.json`, '--model', run.modelDir, '--out', join(run.root, 'missing'), '--verifier', 'no/such-verifier.mjs');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`task.verifier: verifier module ${join(REPO, 'no/such-verifier.mjs')} does not exist`);

    const empty = join(run.root, 'no-default.mjs');
    writeFileSync(empty, 'export const verify = () => 1;\n');
    const noExport = await cli('train', '--config', `${EXAMPLE}/config.json`, '--model', run.modelDir, '--out', join(run.root, 'no-export'), '--verifier', empty);
    expect(noExport.code).toBe(2);
    expect(noExport.err).toContain(`task.verifier: verifier module ${empty} has no default export that is a Verifier`);

    const several = join(run.root, 'several.mjs');
    writeFileSync(several, `import one from '${join(REPO, EXAMPLE, 'last-number.mjs')}';\nexport default [one, one];\n`);
    const array = await cli('train', '--config', `${EXAMPLE}/config.json`, '--model', run.modelDir, '--out', join(run.root, 'array'), '--verifier', several);
    expect(array.code).toBe(2);
    expect(array.err).toContain(`task.verifier: verifier module ${several} exports an array of 2 verifiers; name a module whose default export is one Verifier`);

    const unknown = await cli('eval', '--model', run.modelDir, '--task', 'choice', '--dataset', `${EXAMPLE}/sums.jsonl`, '--verifier', 'lastnumber');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/task\.verifier: unknown verifier "lastnumber"; expected a built-in \(countdown, .*\) or the path of a \.js\/\.mjs module/);
  });
});
