import { lastBoxed } from './boxed.js';

describe('lastBoxed', () => {
  it('reads the last box, with nested braces', () => {
    expect(lastBoxed('first \\boxed{1} then \\boxed{\\frac{1}{2}} done')?.content).toBe('\\frac{1}{2}');
    expect(lastBoxed('x \\boxed{\\left\\{ 1, 2 \\right\\}}')?.content).toBe('\\left\\{ 1, 2 \\right\\}');
  });

  it('reads \\fbox and the brace-less \\boxed 5 form', () => {
    expect(lastBoxed('so \\fbox{42}.')?.content).toBe('42');
    expect(lastBoxed('so $\\boxed 5$.')?.content).toBe('5');
    expect(lastBoxed('\\boxed 12 apples')?.content).toBe('12');
  });

  it('reports where the box is', () => {
    const text = 'ab \\boxed{7} cd';
    const box = lastBoxed(text)!;
    expect(text.slice(box.start, box.end)).toBe('\\boxed{7}');
  });

  it('skips an unclosed last box in favour of an earlier complete one, and returns null when there is none', () => {
    expect(lastBoxed('\\boxed{3} and then \\boxed{4')?.content).toBe('3');
    expect(lastBoxed('\\boxed{4')).toBeNull();
    expect(lastBoxed('no box here')).toBeNull();
    expect(lastBoxed('')).toBeNull();
  });

  it('does not take other macros or escaped braces for boxes', () => {
    expect(lastBoxed('\\fboxsep=3pt \\boxedx{2}')).toBeNull();
    expect(lastBoxed('\\boxed{a \\} b}')?.content).toBe('a \\} b');
    // A macro inside a box that merely starts like a box command does not cut the box short.
    expect(lastBoxed('\\boxed{\\fboxsep 1}')?.content).toBe('\\fboxsep 1');
  });

  it('stays linear on 100k nested braces and on a 10 MB completion', () => {
    const nested = `\\boxed{${'{'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    expect(lastBoxed(nested)?.content.length).toBe(200_001);
    const huge = `${'x'.repeat(10_000_000)} \\boxed{9}`;
    expect(lastBoxed(huge)?.content).toBe('9');
    const unclosed = `\\boxed{${'{'.repeat(100_000)}`;
    expect(lastBoxed(unclosed)).toBeNull();
    // 100k unclosed boxes: each backward step scans only up to the previous failed box.
    expect(lastBoxed(`\\boxed{1} ${'\\boxed{'.repeat(100_000)}`)?.content).toBe('1');
  });
});
