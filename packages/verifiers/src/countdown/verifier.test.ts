import { VerifierError } from '../errors.js';
import { countdown, extractAnswer, parseCountdownReference, type CountdownReference } from './verifier.js';
import { cpuMs } from '../testing/cpu-time.js';

const ref: CountdownReference = { target: 24, nums: [3, 5, 3] };
const tag = (answer: string): string => `<think>hmm</think> <answer>${answer}</answer>`;

describe('countdown verifier', () => {
  const verifier = countdown();

  it('is named countdown and scores 1 / 0.1 / 0 by default', () => {
    expect(verifier.name).toBe('countdown');
    expect(verifier.verify(tag('(3+5)*3'), ref)).toEqual({ reward: 1, correct: true, formatOk: true, extracted: '(3+5)*3', reason: 'correct' });
    expect(verifier.verify(tag('3+5+3'), ref)).toEqual({ reward: 0.1, correct: false, formatOk: true, extracted: '3+5+3', reason: 'wrong-value: 11 ≠ 24' });
    expect(verifier.verify('no tags (3+5)*3', ref)).toEqual({ reward: 0, correct: false, formatOk: false, extracted: null, reason: 'no-answer' });
  });

  it('gives each rejection its own reason', () => {
    const reasonOf = (answer: string, reference: CountdownReference = ref): string => verifier.verify(tag(answer), reference).reason;
    expect(reasonOf('-3+5*3+12')).toBe('invalid-expression: unary minus');
    expect(reasonOf('3**3')).toBe("invalid-expression: '**' is not allowed");
    expect(reasonOf('(3+5)*7')).toBe('numbers-mismatch: 7 not in nums');
    expect(reasonOf('5*5-3+3')).toBe('numbers-reused: 5');
    expect(reasonOf('5*3+3')).toBe('wrong-value: 18 ≠ 24');
    expect(reasonOf('3*8', { target: 24, nums: [3, 8, 3] })).toBe('unused-numbers: 3');
    expect(reasonOf('12*2', { target: 24, nums: [1, 2, 2] })).toBe('numbers-mismatch: 12 not in nums');
    expect(reasonOf('3/(5-5)+3', { target: 24, nums: [3, 5, 5, 3] })).toBe('division-by-zero');
    expect(reasonOf('(3+5)*3 so')).toBe("invalid-expression: unexpected 's'");
    expect(reasonOf('5/(3+3)')).toBe('wrong-value: 5/6 ≠ 24');
    expect(reasonOf('3-5*3')).toBe('wrong-value: -12 ≠ 24');
    expect(verifier.verify('<answer>(3+5)*3</answer></answer>', ref).reason).toBe('invalid-format: repeated </answer>');
  });

  it('gives an empty or blank answer no format credit', () => {
    for (const answer of ['', '   ']) {
      expect(verifier.verify(tag(answer), ref)).toEqual({ reward: 0, correct: false, formatOk: false, extracted: '', reason: 'invalid-format: empty answer' });
    }
  });

  it('reports the first offending number from the left', () => {
    expect(verifier.verify(tag('7+3+3+3'), ref).reason).toBe('numbers-mismatch: 7 not in nums');
    expect(verifier.verify(tag('3+3+3+7'), ref).reason).toBe('numbers-reused: 3');
  });

  it('reads the last complete answer anywhere in the completion', () => {
    expect(extractAnswer('<answer>1</answer>\n<answer>2</answer>\ntrailing text')).toEqual({ content: '2', repeatedClose: false });
    expect(extractAnswer('<answer>1</answer> <answer>unclosed')).toEqual({ content: '1', repeatedClose: false });
    expect(extractAnswer('<answer>1</answer></answer>')).toEqual({ content: '1', repeatedClose: true });
    expect(extractAnswer('</answer><answer>')).toBeNull();
    expect(extractAnswer('<answer></answer>')).toEqual({ content: '', repeatedClose: false });
    expect(extractAnswer('')).toBeNull();
  });

  it('makes rewards configurable, and binary mode 1/0', () => {
    const custom = countdown({ correctReward: 2, formatReward: 0.5, noAnswerReward: -1 });
    expect(custom.verify(tag('(3+5)*3'), ref).reward).toBe(2);
    expect(custom.verify(tag('3+5+3'), ref).reward).toBe(0.5);
    expect(custom.verify(tag('3**3'), ref).reward).toBe(0.5);
    expect(custom.verify('nothing', ref).reward).toBe(-1);
    expect(custom.verify('<answer>(3+5)*3</answer></answer>', ref).reward).toBe(-1);
    const binary = countdown({ binary: true, formatReward: 0.5 });
    expect(binary.verify(tag('(3+5)*3'), ref)).toMatchObject({ reward: 1, correct: true });
    expect(binary.verify(tag('3+5+3'), ref)).toMatchObject({ reward: 0, correct: false, formatOk: true });
    expect(binary.verify('nothing', ref)).toMatchObject({ reward: 0, formatOk: false });
    expect(() => countdown({ formatReward: Number.NaN })).toThrow(/options\.formatReward/);
  });

  it('allows unused numbers only with allowUnusedNumbers, and never reuse', () => {
    const lenient = countdown({ allowUnusedNumbers: true });
    const reference = { target: 24, nums: [3, 8, 5, 1] };
    expect(verifier.verify(tag('3*8'), reference).reason).toBe('unused-numbers: 5, 1');
    expect(lenient.verify(tag('3*8'), reference)).toMatchObject({ reward: 1, correct: true });
    expect(lenient.verify(tag('3*8*1'), reference)).toMatchObject({ reward: 1, correct: true });
    expect(lenient.verify(tag('3*8*1*1'), reference).reason).toBe('numbers-reused: 1');
    expect(lenient.verify(tag('3*8*2'), reference).reason).toBe('numbers-mismatch: 2 not in nums');
  });

  it('accepts "= target" by default and not with allowTargetSuffix: false', () => {
    expect(verifier.verify(tag('(3+5)*3 = 24'), ref).correct).toBe(true);
    expect(countdown({ allowTargetSuffix: false }).verify(tag('(3+5)*3 = 24'), ref).reason).toBe("invalid-expression: unexpected '='");
  });

  it('validates references and names the bad field', () => {
    expect(parseCountdownReference({ target: 24, nums: [3, 5, 3] })).toEqual(ref);
    expect(parseCountdownReference({ target: 24n, nums: new Int32Array([3, 5, 3]) })).toEqual(ref);
    expect(parseCountdownReference({ target: 24, nums: [3n, 5n, 3n], extra: true })).toEqual(ref);
    const field = (raw: unknown): string => {
      try {
        parseCountdownReference(raw);
        return 'accepted';
      } catch (error) {
        expect(VerifierError.isInstance(error)).toBe(true);
        return (error as VerifierError).argument;
      }
    };
    expect(field(null)).toBe('reference');
    expect(field('24')).toBe('reference');
    expect(field([24])).toBe('reference');
    expect(field({ nums: [1] })).toBe('reference.target');
    expect(field({ target: 2.5, nums: [1] })).toBe('reference.target');
    expect(field({ target: '24', nums: [1] })).toBe('reference.target');
    expect(field({ target: 24 })).toBe('reference.nums');
    expect(field({ target: 24, nums: [] })).toBe('reference.nums');
    expect(field({ target: 24, nums: '3,5' })).toBe('reference.nums');
    expect(field({ target: 24, nums: [3, -5] })).toBe('reference.nums[1]');
    expect(field({ target: 24, nums: [3, 1.5] })).toBe('reference.nums[1]');
    expect(() => verifier.verify(tag('1'), { target: 24, nums: [] })).toThrow(/reference\.nums/);
  });

  it('handles huge and adversarial completions in bounded CPU time', () => {
    const start = cpuMs();
    const nested = `${'('.repeat(100_000)}3+5${')'.repeat(100_000)}*3`;
    expect(verifier.verify(tag(nested), ref).correct).toBe(true);
    expect(verifier.verify(tag('('.repeat(100_000)), ref).reason).toBe('invalid-expression: no number');
    expect(verifier.verify(tag('3+'.repeat(500_000) + '3'), ref).reason).toBe('numbers-reused: 3');
    expect(verifier.verify(tag('9'.repeat(1_000_000)), ref).reason).toBe('numbers-mismatch: 999999999999999999999999… not in nums');
    expect(verifier.verify('x'.repeat(10_000_000) + tag('(3+5)*3'), ref).correct).toBe(true);
    expect(verifier.verify('<answer>'.repeat(1_000_000), ref).reason).toBe('no-answer');
    expect(verifier.verify('</answer>'.repeat(1_000_000), ref).reason).toBe('no-answer');
    expect(verifier.verify(`<answer>1</answer>${'</answer>'.repeat(1_000_000)}`, ref).reason).toBe('invalid-format: repeated </answer>');
    expect(verifier.verify('<answer>(3+5)*3</answer>'.repeat(100_000), ref).correct).toBe(true);
    // CPU time, not wall-clock (a loaded machine cannot break it): ≈ 0.5 s when idle.
    expect(cpuMs() - start).toBeLessThan(5000);
  });
});
