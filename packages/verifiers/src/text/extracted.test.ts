import { builtInVerifiers } from '../builtins.js';
import { capExtracted, MAX_EXTRACTED_LENGTH } from './extracted.js';

const LONG = 2_000_000;

/** For each built-in: a completion whose extracted answer is `LONG` characters, and a reference. */
const HUGE: Record<string, { completion: string; reference: unknown }> = {
  countdown: { completion: `<answer>${'1'.repeat(LONG)}</answer>`, reference: { target: 5, nums: [1, 2, 3] } },
  gsm8k: { completion: `#### ${'7'.repeat(LONG)}`, reference: '7'.repeat(LONG) },
  math: { completion: `The answer is $\\boxed{${'7'.repeat(LONG)}}$.`, reference: '7'.repeat(LONG) },
  'math-flexible': { completion: `The answer is $\\boxed{${'x'.repeat(LONG)}}$.`, reference: '3' },
  'exact-match': { completion: 'y'.repeat(LONG), reference: 'y' },
};

describe('capExtracted', () => {
  test('short text is returned whole', () => {
    const text = 'a'.repeat(MAX_EXTRACTED_LENGTH);
    expect(capExtracted(text)).toBe(text);
  });

  test('long text: its start, a marker and its full length', () => {
    const text = 'b'.repeat(MAX_EXTRACTED_LENGTH + 1);
    expect(capExtracted(text)).toBe(`${'b'.repeat(MAX_EXTRACTED_LENGTH)}…(${MAX_EXTRACTED_LENGTH + 1} characters)`);
  });

  test('the cut never splits a surrogate pair', () => {
    const text = `${'c'.repeat(MAX_EXTRACTED_LENGTH - 1)}😀${'c'.repeat(10)}`;
    const capped = capExtracted(text);
    expect(capped.startsWith(`${'c'.repeat(MAX_EXTRACTED_LENGTH - 1)}…`)).toBe(true);
    // Round-trips through UTF-8 unchanged: no lone surrogate.
    expect(Buffer.from(capped, 'utf8').toString('utf8')).toBe(capped);
  });
});

describe('every built-in verifier caps extracted', () => {
  test('the table covers every built-in', () => {
    expect(
      builtInVerifiers()
        .map((v) => v.name)
        .sort(),
    ).toEqual(Object.keys(HUGE).sort());
  });

  test.each(Object.keys(HUGE))('%s: a %d-character answer is cut, the verdict is unchanged', (name) => {
    const verifier = builtInVerifiers().find((v) => v.name === name)!;
    const { completion, reference } = HUGE[name]!;
    const result = verifier.verify(completion, verifier.parseReference(reference));
    expect(result.extracted).not.toBeNull();
    expect(result.extracted!.length).toBeLessThan(MAX_EXTRACTED_LENGTH + 40);
    expect(result.extracted!.endsWith(`…(${LONG} characters)`)).toBe(true);
    // An equal huge numeral is still judged on the whole answer.
    if (name === 'gsm8k' || name === 'math') expect(result.correct).toBe(true);
  });
});
