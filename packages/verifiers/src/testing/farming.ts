/**
 * Shared pieces of the farming fuzzers (`src/math/farming.test.ts`, `src/countdown/farming.test.ts`):
 * property tests that generate wrong answers which contain the gold somewhere (a denominator, an
 * exponent, a hedge, an earlier box…) and assert that none of them earns the correct reward. A policy
 * that found such a hole would learn to write the gold-shaped wrong answer instead of solving.
 *
 * Every case is generated from a fast-check `fc.gen()` value with a fixed seed, so a run is
 * reproducible; failures are collected (not thrown at the first one) so that one run lists every
 * generator that found a hole, with a few counterexamples each.
 */
import fc from 'fast-check';

/** Imperative choices on top of a fast-check `fc.gen()` value (seeded, shrinkable by fast-check). */
export class Pick {
  constructor(private readonly g: fc.GeneratorValue) {}

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return this.g(fc.integer, { min, max });
  }

  /** One element of a non-empty array. */
  of<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** true with probability ½. */
  bool(): boolean {
    return this.int(0, 1) === 1;
  }
}

const FILLER = [
  'Let me work through this carefully.',
  'First we set up the equation from the statement.',
  'Multiplying both sides by 6 gives 18 on the right.',
  'We check the small cases: 1, 2 and 3 all work.',
  'Substituting back, the left side becomes 12 - 5 = 7.',
  'So the two cases give 4 and 9 respectively.',
  'Hmm, that does not look right, let me recompute.',
  'The discriminant is 49, so the roots are rational.',
  'Adding the two equations eliminates y.',
  'This matches the pattern we saw for n = 10.',
];

/**
 * A few sentences of reasoning, with numbers but no math delimiters, boxes, tags or answer phrases,
 * so it never changes which answer is extracted (it goes before the answer).
 */
export function reasoning(pick: Pick): string {
  const n = pick.int(0, 3);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(pick.of(FILLER));
  return parts.join(' ');
}

/** One checked case that got a reward it should not have. */
export interface FarmFailure {
  generator: string;
  policy: string;
  gold: string;
  response: string;
  got: string;
}

/** Counts the cases per generator and collects the failures. */
export class FarmTally {
  readonly counts = new Map<string, number>();
  readonly failures: FarmFailure[] = [];

  count(generator: string): void {
    this.counts.set(generator, (this.counts.get(generator) ?? 0) + 1);
  }

  fail(failure: FarmFailure): void {
    this.failures.push(failure);
  }

  get total(): number {
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }

  /** Failures (of one generator, or all) grouped by generator and policy: the count and up to `perGroup` examples each. */
  report(generator?: string, perGroup = 3): string {
    const groups = new Map<string, FarmFailure[]>();
    for (const f of this.failures) {
      if (generator !== undefined && f.generator !== generator) continue;
      const key = `${f.generator} [${f.policy}]`;
      const list = groups.get(key) ?? [];
      list.push(f);
      groups.set(key, list);
    }
    const lines: string[] = [];
    for (const [key, list] of groups) {
      lines.push(`${key}: ${list.length} failing`);
      for (const f of list.slice(0, perGroup)) {
        lines.push(`  gold ${JSON.stringify(f.gold)}  response ${JSON.stringify(f.response)}  → ${f.got}`);
      }
    }
    return lines.join('\n');
  }
}
