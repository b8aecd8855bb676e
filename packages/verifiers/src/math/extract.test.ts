import { extractAnswer } from './extract.js';

describe('extractAnswer', () => {
  it('takes the last box, with nested braces, \\fbox and the brace-less form', () => {
    expect(extractAnswer('a \\boxed{1} b \\boxed{\\frac{1}{2}}')).toEqual({ text: '\\frac{1}{2}', method: 'boxed' });
    expect(extractAnswer('so \\fbox{42}')?.text).toBe('42');
    expect(extractAnswer('so $\\boxed 5$')?.text).toBe('5');
  });

  it('prefers a box over answer phrases anywhere in the text', () => {
    expect(extractAnswer('\\boxed{2} and the final answer is 3')?.text).toBe('2');
  });

  it('falls back to "final answer is", then "Answer:", then "the answer is"', () => {
    expect(extractAnswer('The final answer is $\\frac12$. I hope it is correct.')).toEqual({ text: '\\frac12', method: 'final-answer' });
    expect(extractAnswer('work\nAnswer: 4\nmore')).toEqual({ text: '4', method: 'answer-colon' });
    expect(extractAnswer('Thus the answer is 17.')).toEqual({ text: '17', method: 'answer-is' });
    expect(extractAnswer('**Answer:** 12')?.text).toBe('12');
    expect(extractAnswer('Answer: 1. The final answer is 2.')?.text).toBe('2');
  });

  it('keeps decimal points and stops at the end of the sentence', () => {
    expect(extractAnswer('The answer is 3.5. Next sentence.')?.text).toBe('3.5');
  });

  it('never falls back to the last number', () => {
    expect(extractAnswer('3 + 4 = 7')).toBeNull();
    expect(extractAnswer('')).toBeNull();
    expect(extractAnswer('\\boxed{}')).toBeNull();
  });
});
