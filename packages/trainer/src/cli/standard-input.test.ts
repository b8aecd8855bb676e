/**
 * Inputs given as `-` (`rlvr weights --rewards -`, `rlvr verify --input -`), in-process with an injected
 * stream; src/cli.test.ts pipes them into the built binary (80,000 rewards).
 */
import { Readable } from 'node:stream';
import { captureIo } from '../testing/capture-io.js';
import { runCli } from './run-cli.js';

async function run(argv: string[], input: string) {
  const io = { ...captureIo(), stdin: Readable.from([Buffer.from(input)]) };
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('rlvr weights --rewards -', () => {
  test('reads rewards separated by newlines, spaces or commas from standard input', async () => {
    const { code, out, err } = await run(['weights', '--weighting', 'linear-r', '--group-size', '4', '--rewards', '-'], '1\n0\n0\n0\n0 0, 0 ,1\n');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ weighting: 'linear-r', advantages: [3, -1, -1, -1, -1, -1, -1, 3], rhoHat: [0.25, 0.25] });
  });

  test('empty standard input, or a word that is no number, is refused naming it', async () => {
    const empty = await run(['weights', '--weighting', 'grpo', '--group-size', '4', '--rewards', '-'], ' \n');
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/^rlvr weights: --rewards - \(standard input\): no rewards; expected numbers/);
    const word = await run(['weights', '--weighting', 'grpo', '--group-size', '2', '--rewards', '-'], '1\nzero\n');
    expect(word.code).toBe(2);
    expect(word.err).toMatch(/--rewards - \(standard input\): entry 2 of 2: expected a number, got "zero"/);
  });
});

describe('rlvr verify --input -', () => {
  const lines = [
    { response: 'So 2 + 3 = 5.\n#### 5', reference: '5' },
    { response: 'It is 6.\n#### 6', reference: '5' },
  ]
    .map((item) => JSON.stringify(item))
    .join('\n');

  test('reads the JSONL lines from the injected standard input', async () => {
    const { code, out, err } = await run(['verify', '--task', 'gsm8k', '--input', '-'], `${lines}\nnot json\n`);
    expect(code).toBe(0);
    const results = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(results.map((r) => r.correct ?? r.error)).toEqual([true, false, expect.stringMatching(/^invalid JSON/)]);
    expect(err).toMatch(/^rlvr verify: gsm8k: 3 lines, 2 verified, 1 correct/);
  });
});
