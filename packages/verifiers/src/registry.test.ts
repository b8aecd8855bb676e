import { defaultRegistry } from './builtins.js';
import { VerifierError } from './errors.js';
import { VerifierRegistry } from './registry.js';
import type { VerificationResult, Verifier } from './types.js';

// The README's custom-verifier example, verbatim: a verifier for "give the capital" answers.
const capital: Verifier<string> = {
  name: 'capital',
  parseReference(raw) {
    if (typeof raw !== 'string' || raw.trim() === '') throw new VerifierError('reference', 'expected a city name');
    return raw.trim().toLowerCase();
  },
  verify(completion, city): VerificationResult {
    const match = /answer:\s*([^\n.]+)/i.exec(completion);
    if (match === null) return { reward: 0, correct: false, formatOk: false, extracted: null, reason: 'no-answer' };
    const extracted = match[1]!.trim();
    const correct = extracted.toLowerCase() === city;
    return { reward: correct ? 1 : 0, correct, formatOk: true, extracted, reason: correct ? 'correct' : 'wrong-answer' };
  },
};

describe('VerifierRegistry', () => {
  it('holds the built-ins by name', () => {
    const registry = defaultRegistry();
    expect(registry.names()).toEqual(['countdown', 'gsm8k', 'math', 'math-flexible', 'exact-match']);
    expect(registry.get('gsm8k').verify('#### 18', registry.get('gsm8k').parseReference('18')).correct).toBe(true);
  });

  it('serves a custom verifier registered once, next to the built-ins, with no other change', () => {
    const registry = defaultRegistry().register(capital);
    const verifier = registry.get<string>('capital');
    const reference = verifier.parseReference(' Paris ');
    expect(verifier.verify('I think. Answer: paris', reference)).toEqual({ reward: 1, correct: true, formatOk: true, extracted: 'paris', reason: 'correct' });
    expect(verifier.verify('Answer: Lyon.', reference).reason).toBe('wrong-answer');
    expect(verifier.verify('no idea', reference).reason).toBe('no-answer');
    expect(registry.names()).toEqual(['countdown', 'gsm8k', 'math', 'math-flexible', 'exact-match', 'capital']);
  });

  it('refuses a taken name unless told to replace, and lists the known names for an unknown one', () => {
    const registry = new VerifierRegistry([capital]);
    expect(() => registry.register(capital)).toThrow(/already registered/);
    expect(() => registry.register({ ...capital }, { replace: true })).not.toThrow();
    expect(() => registry.get('nope')).toThrow(VerifierError);
    expect(() => registry.get('nope')).toThrow(/unknown verifier "nope"; registered: capital/);
  });

  it('refuses objects that are not verifiers, naming what is missing', () => {
    const registry = new VerifierRegistry();
    expect(() => registry.register({ name: '', parseReference: (raw: unknown) => raw, verify: capital.verify } as Verifier)).toThrow(/non-empty `name`/);
    expect(() => registry.register({ name: 'x' } as unknown as Verifier)).toThrow(VerifierError);
    expect(VerifierError.isInstance(new VerifierError('a', 'b'))).toBe(true);
    expect(VerifierError.isInstance(new Error('a'))).toBe(false);
  });
});
