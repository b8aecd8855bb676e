/**
 * Which verifier scores an item. A request names it by a verifier's name (`math`, or one loaded with
 * `--verifier NAME=MODULE`) or by a dataset id as verl's `data_source` spells it, so that data
 * prepared for verl's built-in scorers routes to the matching verifier with no change.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtInVerifiers } from '@rlvr/verifiers';
import { CliError } from '../cli/cli-error.js';

/** verl `data_source` values (its `default_compute_score` dispatch) and the built-in verifier each one means. */
export const DATA_SOURCE_ALIASES: Readonly<Record<string, string>> = {
  'openai/gsm8k': 'gsm8k',
  'lighteval/MATH': 'math',
  'DigitalLearningGmbH/MATH-lighteval': 'math',
  'HuggingFaceH4/MATH-500': 'math',
  math_dapo: 'math',
  math_dapo_reasoning: 'math',
  'Jiayi-Pan/Countdown-Tasks-3to4': 'countdown',
};

/** The names a server knows: the built-ins plus the custom verifiers, and the alias lookup. */
export class TaskResolver {
  private readonly names: ReadonlySet<string>;

  /** Resolve against these verifier names (built-ins and custom ones). */
  constructor(names: readonly string[]) {
    this.names = new Set(names);
  }

  /** Every verifier name this server serves. */
  verifierNames(): string[] {
    return [...this.names];
  }

  /**
   * The verifier for `name` (a verifier name or a data-source alias; verl's `aime*` sources are
   * MATH-style), or undefined when it names none.
   */
  resolve(name: string): string | undefined {
    if (this.names.has(name)) return name;
    const alias = DATA_SOURCE_ALIASES[name] ?? (name.startsWith('aime') ? 'math' : undefined);
    return alias !== undefined && this.names.has(alias) ? alias : undefined;
  }

  /** The message for a name that {@link resolve} does not know. */
  unknown(name: string): string {
    return `unknown task ${JSON.stringify(name)}; expected a verifier (${this.verifierNames().join(', ')}) or a data source (${Object.keys(DATA_SOURCE_ALIASES).join(', ')}, aime*)`;
  }
}

/** One `--verifier NAME=MODULE`: the verifier's name and the module's file URL. */
export interface CustomVerifierSpec {
  /** The verifier's `name` (as requests name it). */
  name: string;
  /** `file:` URL of the module, for the pool's workers. */
  url: string;
}

/**
 * Parse and check `--verifier NAME=MODULE` values: the module is imported here once, so that a module
 * that cannot load, or that exports no verifier called NAME, stops the server at start-up instead of
 * failing every request. Modules come only from the command line, never from a request.
 */
export async function loadCustomVerifiers(values: readonly string[]): Promise<CustomVerifierSpec[]> {
  const builtIns = new Set(builtInVerifiers().map((v) => v.name));
  const specs: CustomVerifierSpec[] = [];
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0 || eq === value.length - 1) {
      throw new CliError('--verifier', `expected NAME=MODULE (a plain-JS module path), got ${JSON.stringify(value)}`);
    }
    const name = value.slice(0, eq);
    const path = value.slice(eq + 1);
    const url = path.startsWith('file:') ? path : pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
    let exported: unknown;
    try {
      exported = ((await import(url)) as { default?: unknown }).default;
    } catch (error) {
      throw new CliError(
        '--verifier',
        `${name}: cannot import ${path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const list = (Array.isArray(exported) ? exported : [exported]) as { name?: unknown }[];
    const found = list.map((v) => (typeof v === 'object' && v !== null ? v.name : undefined));
    if (!found.includes(name)) {
      const what = found.filter((n) => typeof n === 'string').map((n) => JSON.stringify(n));
      throw new CliError(
        '--verifier',
        `${name}: ${path} exports no verifier named "${name}" (its default export names ${what.join(', ') || 'none'})`,
      );
    }
    // The workers register every verifier a module exports, replacing a built-in of the same name.
    const clash = found.find((n) => typeof n === 'string' && builtIns.has(n));
    if (clash !== undefined) {
      throw new CliError(
        '--verifier',
        `${name}: ${path} exports a verifier named "${clash}", the name of a built-in; rename it`,
      );
    }
    if (specs.some((s) => s.name === name)) throw new CliError('--verifier', `${name}: given more than once`);
    specs.push({ name, url });
  }
  return specs;
}
