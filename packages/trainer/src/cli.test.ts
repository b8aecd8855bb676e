import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
// Nx builds the package before its tests (package.json "nx" → test dependsOn build); a bare
// `npm test` before any build skips these, loudly, rather than failing on a missing file.
const built = existsSync(cli);
if (!built) console.warn(`SKIPPED: the built-binary tests need ${cli}; run \`npx nx run @rlvr/trainer:build\` first.`);

/** Run the built binary; resolves with the exit code and streams even when it fails. */
async function rlvr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cli, args, { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout: string; stderr: string };
    return { code: typeof failure.code === 'number' ? failure.code : -1, stdout: failure.stdout, stderr: failure.stderr };
  }
}

(built ? describe : describe.skip)('the built rlvr binary (dist/cli.js)', () => {
  test('runs through its shebang and prints the theory JSON', async () => {
    const { code, stdout, stderr } = await rlvr('theory', '--json', '--rho0', '0.025', '--target', '0.8');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const table = JSON.parse(stdout) as Record<string, { regularCost: number }>;
    expect(table.grpo!.regularCost).toBeCloseTo(3.5976, 3);
  });

  test('weights prints its JSON and a usage error exits 2 with one line and no stack', async () => {
    const ok = await rlvr('weights', '--weighting', 'linear-r', '--group-size', '4', '--rewards', '1,0,0,0');
    expect(JSON.parse(ok.stdout)).toEqual({ weighting: 'linear-r', advantages: [3, -1, -1, -1], rhoHat: [0.25] });
    const bad = await rlvr('weights', '--weighting', 'linear-r', '--group-size', '1', '--rewards', '1,0');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^rlvr weights: --group-size: expected an integer ≥ 2, got 1 .*\n$/);
    expect(bad.stderr.split('\n')).toHaveLength(2);
  });

  test('verify scores a JSONL file with the built verifiers on worker threads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rlvr-cli-'));
    try {
      const input = join(dir, 'in.jsonl');
      await writeFile(input, `${JSON.stringify({ response: 'So 2 + 3 = 5.\n#### 5', reference: '5' })}\nnot json\n`);
      const { code, stdout, stderr } = await rlvr('verify', '--task', 'gsm8k', '--input', input);
      expect(code).toBe(0);
      const lines = stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines[0]).toMatchObject({ reward: 1, correct: true, extracted: '5' });
      expect(lines[1]).toEqual({ error: expect.stringMatching(/^invalid JSON/), line: 2 });
      expect(stderr).toMatch(/^rlvr verify: gsm8k: 2 lines, 1 verified, 1 correct/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an unknown command exits 2', async () => {
    const { code, stderr } = await rlvr('fly');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command "fly"/);
  });
});
