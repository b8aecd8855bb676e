/**
 * The compute-engine fallback, for scalars that the own parser does not read (unknown commands such
 * as `\lfloor`, `\arcsec`, `\cosh^{-1}`…). The engine module (~180 ms to load) and its single
 * instance (~120 ms to create) are created lazily on first use and reused. Its calls are synchronous,
 * so work is bounded *before* calling it (length, big operators) and each call runs inside
 * `withTimeLimit`; a cancellation is reported as too complex. Only numbers come back: the
 * comparison itself (relative, never absolute) is done by the caller.
 */
import { createRequire } from 'node:module';
import type * as CEModule from '@cortex-js/compute-engine';
import type { Complex } from './expr.js';
import { remainingMs } from '../deadline.js';

/** Longest answer handed to compute-engine. */
export const CE_MAX_LENGTH = 300;
/** Wall-clock limit of one compute-engine comparison, in ms (parse + evaluations). */
export const CE_TIME_LIMIT_MS = 150;

type Engine = InstanceType<typeof CEModule.ComputeEngine>;
let engine: Engine | null = null;

function getEngine(): Engine {
  if (engine === null) {
    const require = createRequire(import.meta.url);
    const mod = require('@cortex-js/compute-engine') as typeof CEModule;
    engine = new mod.ComputeEngine();
    // Loops (sums, products) stop after this many iterations instead of running for seconds.
    engine.iterationLimit = 1000;
    engine.recursionLimit = 200;
  }
  return engine;
}

const BIG_OPERATORS = /\\(?:sum|prod|int|iint|iiint|oint|lim|limsup|liminf|max|min|sup|inf)(?![A-Za-z])/;

/** Values of two expressions at the same points (the points depend on the free variables found). */
export type CeValues =
  { ok: true; vars: string[]; pairs: Array<{ g: Complex; p: Complex }> } | { ok: false; reason: string };

/**
 * Parse both answers with compute-engine and evaluate them numerically at the points that
 * `points(vars)` returns for the union of their unknowns (one empty point when there are none).
 */
export function ceEvaluatePair(
  g: string,
  p: string,
  points: (vars: string[]) => Array<Record<string, number>>,
): CeValues {
  if (g.length > CE_MAX_LENGTH || p.length > CE_MAX_LENGTH) {
    return { ok: false, reason: 'too-complex: answer too long for symbolic check' };
  }
  if (BIG_OPERATORS.test(g) || BIG_OPERATORS.test(p)) {
    return { ok: false, reason: 'too-complex: sums, products, integrals and limits are not evaluated' };
  }
  let ce: Engine;
  try {
    ce = getEngine();
  } catch (e) {
    return { ok: false, reason: `unparseable: compute-engine unavailable (${(e as Error).message})` };
  }
  try {
    // Inside a pool worker, never past the item's own deadline: the engine cannot be interrupted otherwise.
    const limitMs = Math.max(1, Math.min(CE_TIME_LIMIT_MS, remainingMs()));
    return ce.withTimeLimit(limitMs, (): CeValues => {
      const a = ce.parse(g);
      const b = ce.parse(p);
      if (!a.isValid || !b.isValid) return { ok: false, reason: 'unparseable: not a valid expression' };
      const vars = [...new Set([...a.unknowns, ...b.unknowns])].sort();
      if (vars.length > 4) return { ok: false, reason: 'too-complex: too many variables' };
      const pts = vars.length === 0 ? [{}] : points(vars);
      const pairs = pts.map((pt) => {
        const subs: Record<string, ReturnType<Engine['number']>> = {};
        for (const [k, v] of Object.entries(pt)) subs[k] = ce.number(v);
        const va = (vars.length ? a.subs(subs) : a).N();
        const vb = (vars.length ? b.subs(subs) : b).N();
        return { g: { re: va.re, im: va.im }, p: { re: vb.re, im: vb.im } };
      });
      return { ok: true, vars, pairs };
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/timeout|time limit|iteration|recursion/i.test(message)) {
      return { ok: false, reason: 'too-complex: symbolic check exceeded its limits' };
    }
    return { ok: false, reason: `unparseable: ${message.slice(0, 80)}` };
  }
}
