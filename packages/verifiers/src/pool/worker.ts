/**
 * The worker side of {@link VerifierPool} (built as `dist/pool-worker.cjs`): a registry of the
 * built-in verifiers plus those of the configured modules, and a handler that verifies one chunk of
 * items, reporting through shared memory which item it is on so that the main thread can time each
 * item and, on a crash or a check that never returns, knows which item was at fault.
 *
 * The time limit is first enforced here: each item runs under a cooperative deadline
 * (`../deadline.ts`, checked in the built-in verifiers' loops), and an item that stops at it or
 * returns after the limit gets `timeout` while the worker goes on with the next item. Terminating
 * the thread (the main thread's backstop) is left for checks that cannot be stopped that way.
 */
import { workerData } from 'node:worker_threads';
import { builtInVerifiers } from '../builtins.js';
import { endDeadline, startDeadline } from '../deadline.js';
import { VerifierRegistry } from '../registry.js';
import type { VerificationResult, Verifier } from '../types.js';
import {
  CORRECT,
  FINISHED,
  FORMAT_OK,
  STOPPED,
  TIMED_OUT,
  TIMEOUT_RESULT,
  nowMs,
  progressViews,
  type ColumnarResults,
  type WorkerReply,
  type WorkerSetup,
  type WorkerTask,
} from './protocol.js';

const setup = (workerData ?? { modules: [], timeoutMs: Infinity }) as WorkerSetup;
const registryReady = loadRegistry(setup.modules);
// The failure is reported by each task (as `fatal`); without this it would also be an unhandled rejection.
registryReady.catch(() => undefined);

async function loadRegistry(modules: readonly string[]): Promise<VerifierRegistry> {
  const registry = new VerifierRegistry(builtInVerifiers());
  for (const url of modules) {
    let exported: unknown;
    try {
      exported = ((await import(url)) as { default?: unknown }).default;
    } catch (error) {
      throw new Error(`cannot import ${url}: ${messageOf(error)}`, { cause: error });
    }
    const verifiers = Array.isArray(exported) ? exported : [exported];
    if (exported === undefined || verifiers.length === 0) {
      throw new Error(`${url}: expected a default export that is a Verifier or a non-empty array of Verifiers`);
    }
    // A module may replace a built-in on purpose (e.g. a stricter `math`); later modules win.
    for (const verifier of verifiers) registry.register(verifier as Verifier, { replace: true });
  }
  return registry;
}

/** Verify one chunk; never throws for a bad item (each gets its own `error: …` result). */
export default async function verifyChunk(task: WorkerTask): Promise<WorkerReply> {
  let registry: VerifierRegistry;
  try {
    registry = await registryReady;
  } catch (error) {
    return { fatal: messageOf(error) };
  }
  const { startedAt, index } = progressViews(task.progress);
  const n = task.completions.length;
  const out: ColumnarResults = {
    rewards: new Float64Array(n),
    flags: new Uint8Array(n),
    extracted: new Array(n),
    reasons: new Array(n),
  };
  const limit = setup.timeoutMs;
  for (let i = 0; i < n; i++) {
    const start = nowMs();
    startedAt[0] = start;
    Atomics.store(index, 0, i);
    const name = typeof task.verifiers === 'string' ? task.verifiers : task.verifiers[i]!;
    startDeadline(limit);
    let result = verifyOne(registry, name, task.completions[i]!, task.references[i]);
    const stopped = endDeadline();
    // Over the limit is a timeout however the check ended (stopped, caught its stop, or just late):
    // the verdict must not depend on whether the main thread's backstop happened to fire first.
    const late = stopped || nowMs() - start > limit;
    if (late) result = TIMEOUT_RESULT;
    out.rewards[i] = result.reward;
    out.flags[i] =
      (result.correct ? CORRECT : 0) |
      (result.formatOk ? FORMAT_OK : 0) |
      (late ? TIMED_OUT : 0) |
      (stopped ? STOPPED : 0);
    out.extracted[i] = result.extracted;
    out.reasons[i] = result.reason;
  }
  // Sending the results is not the last item's time.
  Atomics.store(index, 0, FINISHED);
  return out;
}

function verifyOne(
  registry: VerifierRegistry,
  name: string,
  completion: string,
  reference: unknown,
): VerificationResult {
  try {
    const verifier = registry.get(name);
    const result = verifier.verify(completion, verifier.parseReference(reference));
    return checked(result, name);
  } catch (error) {
    return errorResult(messageOf(error));
  }
}

/**
 * A plain copy with exactly the five fields, or an error result: a custom verifier could return
 * anything, and a malformed result must not reach the trainer as a reward.
 */
function checked(result: VerificationResult, name: string): VerificationResult {
  const ok =
    typeof result === 'object' &&
    result !== null &&
    typeof result.reward === 'number' &&
    Number.isFinite(result.reward) &&
    typeof result.correct === 'boolean' &&
    typeof result.formatOk === 'boolean' &&
    (result.extracted === null || typeof result.extracted === 'string') &&
    typeof result.reason === 'string';
  if (!ok) {
    return errorResult(
      `verifier "${name}" returned an invalid result (expected {reward: finite number, correct, formatOk, extracted, reason})`,
    );
  }
  return {
    reward: result.reward,
    correct: result.correct,
    formatOk: result.formatOk,
    extracted: result.extracted,
    reason: result.reason,
  };
}

function errorResult(message: string): VerificationResult {
  return { reward: 0, correct: false, formatOk: false, extracted: null, reason: `error: ${message}` };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
