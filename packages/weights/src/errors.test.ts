import { WeightsError, requireFinite, requireInteger, requireOpenUnit } from './errors.js';

describe('WeightsError', () => {
  it('names the argument in a field and at the head of its message', () => {
    const error = new WeightsError('groupSize', 'expected an integer ≥ 2, got 1');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(WeightsError);
    expect(error.name).toBe('WeightsError');
    expect(error.argument).toBe('groupSize');
    expect(error.message).toBe('groupSize: expected an integer ≥ 2, got 1');
  });

  it('isInstance recognises its own errors and the marker of another copy, nothing else', () => {
    expect(WeightsError.isInstance(new WeightsError('x', 'y'))).toBe(true);
    // What an error thrown by a duplicate install of the package looks like: another class, same marker.
    const foreign = Object.assign(new Error('x: y'), { [Symbol.for('@rlvr/weights/error')]: true });
    expect(WeightsError.isInstance(foreign)).toBe(true);
    const lookalike = Object.assign(new Error('x: y'), { name: 'WeightsError', argument: 'x' });
    expect(WeightsError.isInstance(lookalike)).toBe(false);
    for (const value of [null, undefined, 0, 'WeightsError', {}]) expect(WeightsError.isInstance(value)).toBe(false);
  });
});

describe('argument checks', () => {
  it('requireFinite rejects NaN and ±∞ and accepts any finite number', () => {
    for (const bad of [NaN, Infinity, -Infinity]) expect(() => requireFinite('x', bad)).toThrow(WeightsError);
    for (const good of [0, -1e300, 5e-324]) expect(() => requireFinite('x', good)).not.toThrow();
  });

  it('requireInteger rejects non-integers and values below the minimum', () => {
    for (const bad of [1, 2.5, NaN, Infinity, -3]) expect(() => requireInteger('n', bad, 2)).toThrow('n: expected an integer ≥ 2');
    expect(() => requireInteger('n', 2, 2)).not.toThrow();
  });

  it('requireOpenUnit accepts exactly the open interval (0, 1)', () => {
    for (const bad of [0, 1, -0.1, 1.1, NaN]) expect(() => requireOpenUnit('rho', bad)).toThrow('rho: expected a success probability');
    for (const good of [Number.MIN_VALUE, 0.5, 1 - Number.EPSILON]) expect(() => requireOpenUnit('rho', good)).not.toThrow();
  });
});
