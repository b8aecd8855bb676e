import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
function rlvr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return rlvrFed(undefined, args);
}

/** {@link rlvr} with `input` piped to its standard input (then closed). */
async function rlvrFed(input: string | undefined, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const pending = run(cli, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (input !== undefined) pending.child.stdin!.end(input);
    const { stdout, stderr } = await pending;
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

  test('--version prints the version in package.json', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await rlvr('--version')).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  test('weights --rewards - reads 80,000 rewards from a pipe (too many for one argument), negative ones included', async () => {
    const m = 8;
    // A fixed pattern of real rewards in [−1.5, 1.5], one per line as `seq` or a file would give them.
    const rewards = Array.from({ length: 80_000 }, (_, i) => (((i * 7919) % 31) - 15) / 10);
    // As one argument they pass Linux's limit on an argument's length (MAX_ARG_STRLEN, 128 KiB).
    expect(Buffer.byteLength(rewards.join(','))).toBeGreaterThan(128 * 1024);
    const args = ['weights', '--weighting', 'grpo', '--group-size', String(m), '--rewards', '-', '--binarize', 'null'];
    const { code, stdout, stderr } = await rlvrFed(`${rewards.join('\n')}\n`, args);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { advantages: number[]; rhoHat: number[] };
    expect(parsed.advantages).toHaveLength(80_000);
    expect(parsed.rhoHat).toHaveLength(10_000);
    // GRPO by hand: (r − mean)/(sample std + 1e-6) in each group; float32 output keeps about 7 digits.
    let worst = 0;
    for (let g = 0; g < rewards.length; g += m) {
      const group = rewards.slice(g, g + m);
      const mean = group.reduce((a, r) => a + r, 0) / m;
      const std = Math.sqrt(group.reduce((a, r) => a + (r - mean) ** 2, 0) / (m - 1));
      group.forEach((r, i) => {
        const expected = (r - mean) / (std + 1e-6);
        worst = Math.max(worst, Math.abs(parsed.advantages[g + i]! - expected) / Math.max(1, Math.abs(expected)));
      });
    }
    expect(worst).toBeLessThan(1e-6);
  });

  test('verify --input - scores the lines piped into it, in order', async () => {
    const lines = [
      { response: 'So 2 + 3 = 5.\n#### 5', reference: '5' },
      { response: 'It is 6.\n#### 6', reference: '5' },
    ].map((item) => `${JSON.stringify(item)}\n`);
    const { code, stdout, stderr } = await rlvrFed(lines.join(''), ['verify', '--task', 'gsm8k', '--input', '-', '--threads', '1']);
    expect(code).toBe(0);
    const results = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { reward: number; extracted: string });
    expect(results.map((r) => [r.reward, r.extracted])).toEqual([
      [1, '5'],
      [0, '6'],
    ]);
    expect(stderr).toMatch(/^rlvr verify: gsm8k: 2 lines, 2 verified, 1 correct/);
  });

  test('an unknown command exits 2', async () => {
    const { code, stderr } = await rlvr('fly');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command "fly"/);
  });
});
