import { choiceLetter, normalizeAnswer } from './normalize.js';

describe('normalizeAnswer', () => {
  it.each([
    ['\\left( 1, 2 \\right)', '( 1, 2 )'],
    ['\\dfrac{1}{2}', '\\frac{1}{2}'],
    ['\\displaystyle \\tfrac34', '\\frac34'],
    ['\\$18.90', '18.90'],
    ['10\\%', '10'],
    ['90^\\circ', '90'],
    ['90^{\\circ}', '90'],
    ['5\\text{ cm}', '5'],
    ['5 \\text{cm}^2', '5'],
    ['12\\mbox{ inches}', '12'],
    ['1,000', '1000'],
    ['-7,425,000.5', '-7425000.5'],
    ['1{,}000', '1000'],
    ['10,\\!080', '10080'],
    ['1,2', '1,2'],
    ['1, 000', '1, 000'],
    ['\\text{Monday}', 'Monday'],
    ['\\text{(C)}', '(C)'],
    ['1 \\text{ and } 2', '1,2'],
    ['x \\in [1,2]', '[1,2]'],
    ['1-\\frac{1}{\\mathrm{e}}', '1-\\frac{1}{e}'],
    ['5.', '5'],
    ['$x$', 'x'],
  ])('%s → %s', (input, output) => {
    expect(normalizeAnswer(input)).toBe(output);
  });

  it('keeps matrix row breaks intact', () => {
    expect(normalizeAnswer('\\begin{pmatrix}1\\\\ 2\\end{pmatrix}')).toBe('\\begin{pmatrix}1\\\\ 2\\end{pmatrix}');
  });
});

describe('choiceLetter', () => {
  it('reads letters, and loose prefixes only for predictions', () => {
    expect(choiceLetter('(C)')).toBe('C');
    expect(choiceLetter('C')).toBe('C');
    expect(choiceLetter('(C) 12')).toBeNull();
    expect(choiceLetter('(C) 12', true)).toBe('C');
    expect(choiceLetter('(A),(B)', true)).toBeNull();
    expect(choiceLetter('F')).toBeNull();
  });
});
