import { VerifierError } from '../errors.js';
import { extractGsm8kAnswer, gsm8k, parseGsm8kReference } from './verifier.js';

describe('gsm8k verifier', () => {
  const auto = gsm8k();
  const strict = gsm8k({ mode: 'strict' });
  const flexible = gsm8k({ mode: 'flexible' });

  it('is named gsm8k and scores 1/0 with reasons', () => {
    expect(auto.name).toBe('gsm8k');
    expect(auto.verify('so #### 18', '18')).toEqual({ reward: 1, correct: true, formatOk: true, extracted: '18', reason: 'correct' });
    expect(auto.verify('so #### 17', '18')).toEqual({ reward: 0, correct: false, formatOk: true, extracted: '17', reason: 'wrong-answer: 17 ≠ 18' });
    expect(auto.verify('no number', '18')).toEqual({ reward: 0, correct: false, formatOk: false, extracted: null, reason: 'no-answer' });
    expect(auto.verify('\\boxed{3 or 4}', '3')).toMatchObject({ reward: 0, formatOk: true, reason: 'ambiguous-answer: several numbers in \\boxed{}' });
  });

  it('matches the spellings of the issue', () => {
    for (const [completion, gold] of [
      ['#### 18.', '18'],
      ['#### $18', '18'],
      ['#### 18.00', '18'],
      ['#### 1,000', '1000'],
      ['#### 1 000', '1000'],
      ['#### −5', '-5'],
      ['#### -5', '-5'],
      ['\\boxed{18}', '18'],
      ['The answer is 18.', '18'],
      ['It is 18 dollars', '18'],
      ['It is 18%', '18'],
    ]) {
      expect([completion, auto.verify(completion!, gold!).correct]).toEqual([completion, true]);
    }
    expect(auto.verify('#### 18.5', '18').correct).toBe(false);
    expect(auto.verify('#### 18', '18.5').correct).toBe(false);
  });

  it('follows the documented priority in auto mode', () => {
    const source = (text: string): string | undefined => {
      const answer = extractGsm8kAnswer(text, 'auto');
      return answer === null ? undefined : answer.source;
    };
    expect(source('The answer is 5. \\boxed{6} #### 7 then 8')).toBe('hash');
    expect(source('The answer is 5. \\boxed{6} then 8')).toBe('boxed');
    expect(source('\\boxed{x} The answer is 5, not 8')).toBe('phrase');
    expect(source('we get 5 then 8')).toBe('last-number');
    expect(source('nothing')).toBeUndefined();
  });

  it('strict reads only #### N; flexible only the last number', () => {
    expect(strict.verify('The answer is 18.', '18')).toMatchObject({ correct: false, formatOk: false, reason: 'no-answer' });
    expect(strict.verify('#### 18\nthen 5', '18')).toMatchObject({ correct: true, formatOk: true });
    expect(strict.verify('#### 5\n#### 18', '18').correct).toBe(true);
    expect(strict.verify('#### 18\n#### Summary', '18').correct).toBe(true);
    expect(flexible.verify('#### 18\nthen 5', '5').correct).toBe(true);
    expect(flexible.verify('\\boxed{18} in 2 days', '2').correct).toBe(true);
    expect(flexible.verify('The answer is 1,000.', '1000').correct).toBe(true);
    expect(() => gsm8k({ mode: 'loose' as never })).toThrow(/options\.mode/);
  });

  it('reads the whole completion, without a window', () => {
    expect(auto.verify(`#### 18\n${'more text. '.repeat(1000)}`, '18').correct).toBe(true);
    expect(auto.verify(`${'reasoning 7. '.repeat(1000)}#### 18`, '18').correct).toBe(true);
  });

  it('compares exactly, beyond floating point', () => {
    expect(auto.verify('#### 9007199254740993', '9007199254740992').correct).toBe(false);
    expect(auto.verify('#### 123456789012345678901234567890', '123456789012345678901234567890').correct).toBe(true);
    expect(auto.verify('#### 0.30000000000000004', '0.3').correct).toBe(false);
    expect(auto.verify('#### 3/4', '0.75').correct).toBe(true);
    expect(auto.verify('#### 1/3', '0.3333333333').correct).toBe(false);
  });

  it('normalises references', () => {
    expect(parseGsm8kReference(18)).toBe('18');
    expect(parseGsm8kReference(-5)).toBe('-5');
    expect(parseGsm8kReference(0.75)).toBe('0.75');
    expect(parseGsm8kReference(-0.5)).toBe('-0.5');
    expect(parseGsm8kReference(1e21)).toBe('1000000000000000000000');
    expect(parseGsm8kReference(12n)).toBe('12');
    expect(parseGsm8kReference(' $1,000.00 ')).toBe('1000');
    expect(parseGsm8kReference('3/4')).toBe('0.75');
    expect(parseGsm8kReference('Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nAltogether 48+24 = <<48+24=72>>72.\n#### 72')).toBe('72');
    expect(auto.parseReference('#### 1 000')).toBe('1000');
    // A raw reference passed straight to verify is normalised too.
    expect(auto.verify('#### 1000', '#### 1,000').correct).toBe(true);
    for (const bad of ['no number', '', null, undefined, Number.NaN, Infinity, 1e-7, {}, [18], '\\boxed{3, 4}']) {
      expect(() => parseGsm8kReference(bad)).toThrow(VerifierError);
    }
    expect(() => auto.verify('18', 'none')).toThrow(/reference/);
  });

  it('stays fast on 10 MB adversarial completions', () => {
    const start = performance.now();
    expect(auto.verify(`${'x'.repeat(10_000_000)}#### 18`, '18').correct).toBe(true);
    expect(auto.verify('#'.repeat(10_000_000), '18').reason).toBe('no-answer');
    expect(auto.verify('answer is '.repeat(1_000_000), '18').reason).toBe('no-answer');
    expect(auto.verify('\\boxed{'.repeat(1_000_000), '18').reason).toBe('no-answer');
    expect(auto.verify('1'.repeat(10_000_000), '18').correct).toBe(false);
    expect(auto.verify('1,000'.repeat(2_000_000), '18').correct).toBe(false);
    expect(auto.verify(`\\boxed{${'{'.repeat(100_000)}18${'}'.repeat(100_000)}}`, '18').correct).toBe(true);
    expect(performance.now() - start).toBeLessThan(4000);
  });
});
