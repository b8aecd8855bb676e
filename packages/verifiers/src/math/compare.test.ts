import { compareAnswers, compareScalars } from './compare.js';
import { normalizeAnswer } from './normalize.js';
import { parseStructure, splitTopLevel } from './structure.js';

const eq = (g: string, p: string) => compareAnswers(parseStructure(normalizeAnswer(g)), parseStructure(normalizeAnswer(p))).eq;

describe('structure', () => {
  it('splits at top level only', () => {
    expect(splitTopLevel('(1,2),[3,4)', [','])).toEqual(['(1,2)', '[3,4)']);
    expect(splitTopLevel('\\{1,2\\},3', [','])).toEqual(['\\{1,2\\}', '3']);
  });
  it('recognises each shape', () => {
    expect(parseStructure('(1,2]').kind).toBe('seq');
    expect(parseStructure('\\{1,2\\}').kind).toBe('set');
    expect(parseStructure('1,2').kind).toBe('list');
    expect(parseStructure('x=1').kind).toBe('equation');
    expect(parseStructure('\\pm 2').kind).toBe('set');
    expect(parseStructure('(0,1)\\cup(2,3)').kind).toBe('union');
    expect(parseStructure('\\begin{pmatrix}1&2\\end{pmatrix}').kind).toBe('matrix');
    expect(parseStructure('x<3').kind).toBe('relation');
    expect(parseStructure('(5)').kind).toBe('scalar');
  });
});

describe('equivalence classes', () => {
  it('numbers in every spelling', () => {
    expect(eq('0.5', '\\frac{1}{2}')).toBe(true);
    expect(eq('\\frac{3}{4}', '3/4')).toBe(true);
    expect(eq('12', '12.0')).toBe(true);
    expect(eq('1000', '1{,}000')).toBe(true);
  });
  it('decimal approximations (≥ 6 significant digits, within one unit of the last digit)', () => {
    expect(eq('\\frac13', '0.333333')).toBe(true);
    expect(eq('\\frac13', '0.333')).toBe(false);
    expect(eq('2\\pi', '6.28')).toBe(false);
    expect(eq('2\\pi', '6.283185')).toBe(true);
    expect(eq('\\frac18', '0.1250001')).toBe(false); // a terminating gold needs the exact value
    expect(eq('\\ln 2', '0.693147')).toBe(true); // gold evaluated numerically
    expect(eq('0.333', '\\frac13')).toBe(false);
  });
  it('ordered, unordered, partial', () => {
    expect(eq('(1,2)', '(1,2)')).toBe(true);
    expect(eq('(1,2)', '(2,1)')).toBe(false);
    expect(eq('(1,2)', '[1,2]')).toBe(false);
    expect(eq('\\{1,2\\}', '\\{2,1\\}')).toBe(true);
    expect(eq('3, 5', '5, 3')).toBe(true);
    expect(eq('3, 5', '5')).toBe(false);
    expect(eq('\\pm 2', '2')).toBe(false);
    expect(eq('\\pm 2', '-2,2')).toBe(true);
  });
  it('equations and assignments', () => {
    expect(eq('x=3', '3')).toBe(true);
    expect(eq('3', 'x=3')).toBe(true);
    expect(eq('2x+4y-3=0', 'y=-\\frac12x+\\frac34')).toBe(true);
    expect(eq('y=\\sin x', '2y=2\\sin x')).toBe(true);
    expect(eq('y=\\sin x', 'y=\\cos x')).toBe(false);
    expect(eq('x=2x-3', '2x-3')).toBe(false); // not an assignment: x occurs on the right
  });
  it('symbolic identities through the numeric check and compute-engine', () => {
    expect(compareScalars('\\frac{x^2-1}{x-1}', 'x+1').eq).toBe(true);
    expect(compareScalars('\\tan x', '\\frac{\\sin x}{\\cos x}').eq).toBe(true);
    expect(compareScalars('\\lfloor 2.5 \\rfloor', '2').eq).toBe(true);
    expect(compareScalars('\\lfloor 2.5 \\rfloor', '3').eq).toBe(false);
  });
  it('gives reasons when it cannot decide', () => {
    expect(compareScalars('9^{9^{9^{9}}}', '9^{9^{9^{8}}}')).toEqual({ eq: false, reason: expect.stringMatching(/^too-complex/) });
    expect(compareScalars('\\sum_{k=1}^{100000}k^{-2}', '1')).toEqual({ eq: false, reason: expect.stringMatching(/^too-complex/) });
    expect(compareScalars('\\foo{1}', '\\bar{2}')).toEqual({ eq: false, reason: expect.stringMatching(/^unparseable/) });
  });
});
