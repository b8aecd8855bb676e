import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { captureIo } from '../testing/capture-io.js';
import { verifyJsonl } from './verify.js';

// The pool's workers run @rlvr/verifiers' built dist/pool-worker.cjs (Nx builds dependencies first).
const FIXTURE = new URL('./__fixtures__/verify-fixture.mjs', import.meta.url);

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rlvr-verify-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Write `lines` (strings as they are, anything else as JSON) to a fresh file in the temp folder. */
async function jsonl(name: string, lines: unknown[], ending = '\n'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join(ending) + ending);
  return path;
}

async function verify(...args: string[]) {
  const io = captureIo();
  const code = await runCli(['verify', ...args], io);
  return { code, out: io.out(), err: io.err() };
}

function outputLines(text: string): Record<string, unknown>[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('rlvr verify: built-in verifiers', () => {
  test('gsm8k: one line per input line in order, exact keys, malformed lines reported, summary on stderr', async () => {
    const input = await jsonl('gsm8k.jsonl', [
      { response: 'She pays 3 * 6 = 18 dollars.\n#### 18', reference: '18' },
      { response: 'So the total is 20.\n#### 20', reference: '18' },
      'not json at all',
      { response: 'The answer is 1,000.', reference: 'Add them up. #### 1000' },
      { reference: '5' },
      '',
      [1, 2],
      { response: 7, reference: '7' },
      { response: 'no number here', reference: '4' },
    ]);
    const { code, out, err } = await verify('--task', 'gsm8k', '--input', input);
    expect(code).toBe(0);
    const lines = outputLines(out);
    expect(lines).toHaveLength(9);
    expect(Object.keys(lines[0]!)).toEqual(['reward', 'correct', 'formatOk', 'extracted', 'reason']);
    expect(lines[0]).toMatchObject({ reward: 1, correct: true, formatOk: true, extracted: '18' });
    expect(lines[1]).toMatchObject({ reward: 0, correct: false, formatOk: true });
    expect(lines[2]).toEqual({ error: expect.stringMatching(/^invalid JSON/), line: 3 });
    expect(lines[3]).toMatchObject({ reward: 1, correct: true });
    expect(lines[4]).toEqual({ error: '"response" is missing', line: 5 });
    expect(lines[5]).toEqual({ error: expect.stringMatching(/^empty line/), line: 6 });
    expect(lines[6]).toEqual({ error: expect.stringMatching(/expected a JSON object/), line: 7 });
    expect(lines[7]).toEqual({ error: '"response" must be a string', line: 8 });
    expect(lines[8]).toMatchObject({ reward: 0, correct: false, extracted: null });
    expect(err).toMatch(
      /^rlvr verify: gsm8k: 9 lines, 4 verified, 2 correct \(50\.0%\), mean reward 0\.5000, errors 5 \(5 malformed lines, 0 verifier errors\), 0 timeouts, [\d.]+ s \(\d+ lines\/s\)\n$/,
    );
  });

  test('countdown with --output: TinyZero scores 1 / 0.1 / 0, and a reference the verifier refuses is a malformed line', async () => {
    const input = await jsonl('countdown.jsonl', [
      { response: 'Let me think. <answer>(2 * 3) * 4</answer>', reference: { target: 24, nums: [2, 3, 4] } },
      { response: '<answer>2 + 3 + 4</answer>', reference: { target: 24, nums: [2, 3, 4] } },
      { response: 'I give up.', reference: { target: 24, nums: [2, 3, 4] } },
      { response: '<answer>1</answer>', reference: { target: 'x', nums: 'y' } },
    ]);
    const output = join(dir, 'countdown.out.jsonl');
    const { code, out, err } = await verify('--task', 'countdown', '--input', input, '--output', output, '--threads', '1', '--timeout-ms', '1000');
    expect(code).toBe(0);
    expect(out).toBe('');
    expect(err).toMatch(/^rlvr verify: countdown: 4 lines, 3 verified, 1 correct/);
    const lines = outputLines(await readFile(output, 'utf8'));
    expect(lines.map((line) => line.reward)).toEqual([1, 0.1, 0, undefined]);
    expect(lines[0]).toMatchObject({ correct: true, formatOk: true });
    expect(lines[1]).toMatchObject({ correct: false, formatOk: true });
    expect(lines[2]).toMatchObject({ correct: false, formatOk: false, extracted: null });
    expect(lines[3]).toEqual({ error: expect.stringMatching(/^"reference": /), line: 4 });
  });

  test('math: boxed answers, CRLF line endings and no final newline', async () => {
    const path = join(dir, 'math.jsonl');
    const rows = [
      { response: 'Thus $x = \\boxed{\\frac{1}{2}}$.', reference: '\\frac12' },
      { response: 'So the answer is $\\boxed{3}$.', reference: '\\frac12' },
    ];
    await writeFile(path, rows.map((row) => JSON.stringify(row)).join('\r\n'));
    const { code, out } = await verify('--task', 'math', '--input', path);
    expect(code).toBe(0);
    const lines = outputLines(out);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ reward: 1, correct: true, formatOk: true });
    expect(lines[1]).toMatchObject({ reward: 0, correct: false, formatOk: true, extracted: '3' });
  });
});

describe('rlvr verify: usage and failures', () => {
  test.each([
    [['--input', 'x.jsonl'], 2, /--task: missing, and required/],
    [['--task', 'poetry', '--input', 'x.jsonl'], 2, /--task: expected one of countdown, gsm8k, math, math-flexible, got "poetry"/],
    [['--task', 'gsm8k', '--input', 'x.jsonl', '--timeout-ms', '0'], 2, /--timeout-ms: expected an integer ≥ 1, got 0/],
    [['--task', 'gsm8k', '--input', 'x.jsonl', '--threads', '1.5'], 2, /--threads: expected an integer ≥ 1/],
    [['--task', 'gsm8k', '--input', '/does/not/exist.jsonl'], 3, /^rlvr verify: --input: cannot read \/does\/not\/exist\.jsonl: no such file or directory \(ENOENT\)\n$/],
  ])('%j exits %i with one line on stderr', async (args, exitCode, message) => {
    const { code, out, err } = await verify(...args);
    expect(code).toBe(exitCode);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });

  test('an --output in a missing folder creates it; a bad --input leaves --output untouched', async () => {
    const input = await jsonl('one.jsonl', [{ response: '#### 1', reference: '1' }]);
    const nested = await verify('--task', 'gsm8k', '--input', input, '--output', join(dir, 'new-dir', 'out.jsonl'));
    expect(nested.code).toBe(0);
    expect(outputLines(await readFile(join(dir, 'new-dir', 'out.jsonl'), 'utf8'))).toHaveLength(1);
    const kept = join(dir, 'kept.jsonl');
    await writeFile(kept, 'precious\n');
    const missing = await verify('--task', 'gsm8k', '--input', join(dir, 'missing.jsonl'), '--output', kept);
    expect(missing.code).toBe(3);
    expect(await readFile(kept, 'utf8')).toBe('precious\n');
  });

  test('the help names every flag', async () => {
    const { code, out } = await verify('--help');
    expect(code).toBe(0);
    for (const flag of ['--task TASK', '--input FILE', '--output FILE', '--timeout-ms N', '--threads N', 'countdown, gsm8k, math, math-flexible']) expect(out).toContain(flag);
  });
});

describe('verifyJsonl: streaming, order and time limits (fixture verifiers)', () => {
  test('20k lines across many batches come back in order, with malformed lines in place', async () => {
    const rows: unknown[] = [];
    for (let i = 0; i < 20_000; i++) rows.push(i % 997 === 500 ? '{"response": ' : { response: ` ${i % 3 === 0 ? i : i + 1} `, reference: String(i) });
    const input = await jsonl('many.jsonl', rows);
    const io = captureIo();
    const summary = await verifyJsonl({ task: 'exact', input, output: io.stdout, modules: [FIXTURE] });
    const lines = outputLines(io.out());
    expect(lines).toHaveLength(20_000);
    lines.forEach((line, i) => {
      if (i % 997 === 500) expect(line).toEqual({ error: expect.stringMatching(/^invalid JSON/), line: i + 1 });
      else expect(line).toMatchObject({ correct: i % 3 === 0, extracted: String(i % 3 === 0 ? i : i + 1) });
    });
    const malformed = rows.filter((row) => typeof row === 'string').length;
    expect(summary).toMatchObject({ lines: 20_000, malformed, verified: 20_000 - malformed, errors: 0, timeouts: 0 });
    expect(summary.correct).toBe(Math.ceil(20_000 / 3) - rows.filter((row, i) => typeof row === 'string' && i % 3 === 0).length);
  });

  test('a response that hangs the verifier gets "timeout"; the rest of the file is scored', async () => {
    const input = await jsonl('hang.jsonl', [
      { response: 'a', reference: 'a' },
      { response: 'hang forever', reference: 'a' },
      { response: 'b', reference: 'a' },
      { response: 'c', reference: 'c' },
    ]);
    const io = captureIo();
    const summary = await verifyJsonl({ task: 'hang', input, output: io.stdout, modules: [FIXTURE], timeoutMs: 200, threads: 1 });
    expect(outputLines(io.out()).map((line) => line.reason)).toEqual(['correct', 'timeout', 'wrong-answer', 'correct']);
    expect(summary).toMatchObject({ lines: 4, verified: 4, correct: 2, timeouts: 1, errors: 0 });
    expect(summary.rewardSum).toBe(2);
  });
});
