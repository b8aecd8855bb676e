import { VerifierError } from './errors.js';
import type { Verifier } from './types.js';

/**
 * Verifiers by name. The trainer, the pool and the CLI look verifiers up here, so a custom verifier
 * registered once is usable everywhere without touching other code.
 */
export class VerifierRegistry {
  private readonly byName = new Map<string, Verifier>();

  /** Start with the given verifiers (e.g. the built-ins). */
  constructor(verifiers: readonly Verifier[] = []) {
    for (const verifier of verifiers) this.register(verifier);
  }

  /** Add a verifier; a name that is taken is an error unless `replace` is true. */
  register(verifier: Verifier, options: { replace?: boolean } = {}): this {
    if (
      typeof verifier?.name !== 'string' ||
      verifier.name === '' ||
      typeof verifier.verify !== 'function' ||
      typeof verifier.parseReference !== 'function'
    ) {
      throw new VerifierError(
        'verifier',
        'expected an object with a non-empty `name`, `parseReference(raw)` and `verify(completion, reference)`',
      );
    }
    if (this.byName.has(verifier.name) && !options.replace) {
      throw new VerifierError(
        'verifier',
        `a verifier named "${verifier.name}" is already registered (pass { replace: true } to replace it)`,
      );
    }
    this.byName.set(verifier.name, verifier);
    return this;
  }

  /** The verifier registered under `name`; an unknown name is an error that lists the known ones. */
  get<Ref = unknown>(name: string): Verifier<Ref> {
    const verifier = this.byName.get(name);
    if (verifier === undefined) {
      throw new VerifierError(
        'verifier',
        `unknown verifier "${name}"; registered: ${this.names().join(', ') || 'none'}`,
      );
    }
    return verifier as Verifier<Ref>;
  }

  /** True when `name` is registered. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.byName.keys()];
  }
}
