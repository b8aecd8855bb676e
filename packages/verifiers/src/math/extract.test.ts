import { extractAnswer } from './extract.js';

describe('extractAnswer', () => {
  it('takes the last box, with nested braces, \\fbox and the brace-less form', () => {
    expect(extractAnswer('a \\boxed{1} b \\boxed{\\frac{1}{2}}')).toEqual({ text: '\\frac{1}{2}', method: 'boxed' });
    expect(extractAnswer('so \\fbox{42}')?.text).toBe('42');
    expect(extractAnswer('so $\\boxed 5$')?.text).toBe('5');
  });

  it('prefers a box over answer phrases, except a final-answer statement written after it', () => {
    expect(extractAnswer('the answer is 3, so \\boxed{2}')?.text).toBe('2');
    expect(extractAnswer('Answer: 3. Then \\boxed{2}')?.text).toBe('2');
    expect(extractAnswer('\\boxed{2}, and then the answer is 3')?.text).toBe('2');
    expect(extractAnswer('\\boxed{2} and the final answer is 3')?.text).toBe('3');
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

describe('extractAnswer: answer tags, joined boxes and phrase spans', () => {
  it('reads the last answer tag first, and the sources inside it', () => {
    expect(extractAnswer('<think>maybe \\boxed{3}</think><answer>$\\frac12$</answer>')).toEqual({ text: '\\frac12', method: 'answer-tag' });
    expect(extractAnswer('<answer>so \\boxed{4}</answer>')).toEqual({ text: '4', method: 'boxed' });
    expect(extractAnswer('<answer>1</answer> later <answer>2</answer>')?.text).toBe('2');
    expect(extractAnswer('<answer>  </answer>')).toBeNull();
  });

  it('joins boxes that only separators divide, and keeps only the last of boxes with reasoning between them', () => {
    expect(extractAnswer('$\\boxed{3}$ and $\\boxed{5}$')?.text).toBe('3, 5');
    expect(extractAnswer('\\boxed{1}, \\boxed{2}, \\boxed{3}')?.text).toBe('1, 2, 3');
    expect(extractAnswer('first \\boxed{3}, but checking the work again shows that it is \\boxed{5}')?.text).toBe('5');
  });

  it('skips filler and labels linked to the value after an answer phrase', () => {
    expect(extractAnswer('Final Answer: The largest $n$ is 34.')?.text).toBe('34');
    expect(extractAnswer('Final Answer: The volume of $ABCDEFGH$ is 120. I hope it is correct.')?.text).toBe('120');
    expect(extractAnswer('The final answer is therefore $7$.')?.text).toBe('7');
    expect(extractAnswer('The final answer is $x = 5$.')?.text).toBe('x = 5');
    expect(extractAnswer('The final answer is $5$, which is the smallest value.')?.text).toBe('5');
  });

  it('flexible adds the last formula (joined when only "and" or commas divide) and else the last number', () => {
    expect(extractAnswer('so we get $x = 3$', 'strict')).toBeNull();
    expect(extractAnswer('so we get $x = 3$', 'flexible')).toEqual({ text: 'x = 3', method: 'last-math' });
    expect(extractAnswer('the roots are $2$ and $-3$', 'flexible')?.text).toBe('2, -3');
    expect(extractAnswer('first $1$, then after a long argument $2$', 'flexible')?.text).toBe('2');
    expect(extractAnswer('she has 1,000 apples and 12 pears', 'flexible')).toEqual({ text: '12', method: 'last-number' });
    expect(extractAnswer('no numbers at all', 'flexible')).toBeNull();
  });
});
