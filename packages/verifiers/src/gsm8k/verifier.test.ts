import { VerifierError } from '../errors.js';
import { withCpuMs } from '../testing/cpu-time.js';
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

  it('matches the reported farming and tag probes', () => {
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

  it('follows the documented order of sources in auto mode: answer tag, ####, box, phrase, last number', () => {
    const source = (text: string): string | undefined => {
      const answer = extractGsm8kAnswer(text, 'auto');
      return answer === null ? undefined : answer.source;
    };
    expect(source('The answer is 5. \\boxed{6} #### 7 <answer>9</answer> then 8')).toBe('answer-tag');
    expect(source('The answer is 5. \\boxed{6} #### 7 then 8')).toBe('hash');
    expect(source('The answer is 5. \\boxed{6} then 8')).toBe('boxed');
    expect(source('\\boxed{x} The answer is 5, not 8')).toBe('phrase');
    expect(source('we get 5 then 8')).toBe('last-number');
    expect(source('nothing')).toBeUndefined();
  });

  it('gives the last complete <answer> pair priority, and scores a tag without a number 0', () => {
    const hedge = 'I think the answer is 43. <answer>42</answer> But 43 might be better.';
    expect(auto.verify(hedge, '42')).toMatchObject({ reward: 1, extracted: '42' });
    expect(auto.verify(hedge, '43')).toMatchObject({ reward: 0, reason: 'wrong-answer: 42 ≠ 43' });
    expect(auto.verify('<answer>6</answer> then <answer>7</answer>', '7').correct).toBe(true);
    expect(auto.verify('<answer>6 <answer>7</answer>', '7').correct).toBe(true);
    expect(auto.verify('<answer>\\boxed{42}</answer>', '42').correct).toBe(true);
    expect(auto.verify('<answer>She earns 9 * 2 = 18 dollars.</answer>', '18').correct).toBe(true);
    expect(auto.verify('<answer>not a number</answer> but 42 is correct', '42')).toMatchObject({ reward: 0, formatOk: false, reason: 'no-answer: the <answer> tag holds no number' });
    expect(auto.verify('<answer>6 or 7</answer>', '6')).toMatchObject({ reward: 0, reason: 'ambiguous-answer: several numbers in <answer>' });
    expect(auto.verify('<answer>42', '42').correct).toBe(true); // no complete pair: the last number
    // The tag is an `auto` source only: strict reads ####, flexible the last number.
    expect(strict.verify('<answer>42</answer>', '42').reason).toBe('no-answer');
    expect(flexible.verify('<answer>42</answer> after 43 tries', '42').correct).toBe(false);
  });

  it('never reads an answer inside the reasoning (<think>…</think>), in every mode', () => {
    for (const verifier of [auto, strict, flexible]) {
      expect(verifier.verify('<think>#### 6</think> #### 7', '6').correct).toBe(false);
      expect(verifier.verify('<think>#### 6</think> #### 7', '7').correct).toBe(true);
      expect(verifier.verify('<think>So #### 6.</think> I am not sure.', '6')).toMatchObject({ reward: 0, reason: 'no-answer' });
    }
    expect(auto.verify('Reasoning </think> \\boxed{\\frac{63}{400}}', '63/400').correct).toBe(true);
    expect(auto.verify('<think> unfinished reasoning with 6', '6').correct).toBe(true); // no closing tag: the whole text
  });

  it('reads whole numeric expressions: no digit is mined out of a fraction, power, root or date', () => {
    const wrong: [string, string][] = [
      ['The answer is $\\frac{1}{6}$', '6'],
      ['#### \\frac{1}{6}', '6'],
      ['$\\dfrac{3}{4}$ of the cake', '4'],
      ['#### \\sqrt{16}', '16'],
      ['So the total is 1e6', '6'],
      ['#### 2^6', '6'],
      ['The party is on 2024-06-06', '6'],
      ['We meet at 6:30', '6'],
      ['She finished 6th', '6'],
      ['\\boxed{x_6}', '6'],
      ['#### 10 - 4', '4'],
      ['#### 5/0', '5'],
    ];
    for (const [completion, gold] of wrong) expect([completion, auto.verify(completion, gold).reward]).toEqual([completion, 0]);
    expect(auto.verify('#### \\sqrt{16}', '4').correct).toBe(true);
    expect(auto.verify('So the total is 1e6', '1000000').correct).toBe(true);
    expect(auto.verify('#### \\frac{12}{2}', '6').correct).toBe(true);
    expect(auto.verify('We meet at 6:30', '6.5')).toMatchObject({ reward: 0, formatOk: true, reason: 'not-a-number: a time or a ratio' });
    expect(auto.verify('#### \\sqrt{2}', '1.414')).toMatchObject({ reward: 0, extracted: '\\sqrt{2}', reason: 'not-a-number: an irrational root' });
  });

  it('scores a hedge after a marker 0, and never falls back from a not-a-number to an earlier answer', () => {
    expect(auto.verify('#### 6 or 7', '6')).toMatchObject({ reward: 0, reason: 'ambiguous-answer: several numbers in the #### answer' });
    expect(auto.verify('The answer is 6, 7.', '6').reward).toBe(0);
    expect(auto.verify('The answer is 6 \\text{ or } 7.', '6').reward).toBe(0);
    expect(auto.verify('The answer is 6. Then 7 more.', '6').reward).toBe(1);
    expect(auto.verify('#### 6\n#### 6th', '6').reward).toBe(0);
    expect(auto.verify('\\boxed{6} and finally \\boxed{\\sqrt{2}}', '6').reward).toBe(0);
    expect(flexible.verify('It is 6, or rather 2024-06-06', '6').reward).toBe(0);
  });

  it('strict reads only #### N; flexible only the last number', () => {
    expect(strict.verify('The answer is 18.', '18')).toMatchObject({ correct: false, formatOk: false, reason: 'no-answer' });
    expect(strict.verify('#### 18\nthen 5', '18')).toMatchObject({ correct: true, formatOk: true });
    expect(strict.verify('#### 5\n#### 18', '18').correct).toBe(true);
    expect(strict.verify('#### 18\n#### Summary', '18').correct).toBe(true);
    expect(strict.verify('#### \\frac{1}{6}', '6').reward).toBe(0);
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
    expect(parseGsm8kReference('\\frac{1}{2}')).toBe('0.5');
    expect(parseGsm8kReference('1e6')).toBe('1000000');
    for (const bad of ['no number', '', null, undefined, Number.NaN, Infinity, 1e-7, {}, [18], '\\boxed{3, 4}', '\\sqrt{2}', '<answer>none</answer>']) {
      expect(() => parseGsm8kReference(bad)).toThrow(VerifierError);
    }
    expect(() => auto.verify('18', 'none')).toThrow(/reference/);
  });

  it('stays linear on 10 MB adversarial completions (bounded CPU time, not wall-clock)', () => {
    const { value, cpuMs } = withCpuMs(() => [
      auto.verify(`${'x'.repeat(10_000_000)}#### 18`, '18').correct,
      auto.verify('#'.repeat(10_000_000), '18').reason,
      auto.verify('answer is '.repeat(1_000_000), '18').reason,
      auto.verify('\\boxed{'.repeat(1_000_000), '18').reason,
      auto.verify('<answer>'.repeat(1_000_000), '18').reason,
      auto.verify('</think><answer>'.repeat(500_000), '18').reason,
      auto.verify('1'.repeat(10_000_000), '18').correct,
      auto.verify('1,000'.repeat(2_000_000), '18').correct,
      auto.verify('\\frac{1}{'.repeat(1_000_000), '18').reason,
      auto.verify(`\\boxed{${'{'.repeat(100_000)}18${'}'.repeat(100_000)}}`, '18').correct,
    ]);
    expect(value).toEqual([true, 'no-answer', 'no-answer', 'no-answer', 'no-answer', 'no-answer', false, false, 'not-a-number: an unclosed brace', true]);
    // CPU time of this process with a wide margin (≈ 1 s measured on a 2-core machine): a loaded machine cannot break it, a quadratic scan would.
    expect(cpuMs).toBeLessThan(30_000);
  });
});
