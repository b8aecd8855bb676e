/**
 * `POST /v1/verify`: `{"task": "math", "items": [{"response", "reference", "task"?}]}` → each item's
 * full verdict, `{"results": [{"reward", "correct", "formatOk", "extracted", "reason"}]}`, in order.
 */
import type { PoolItem } from '@rlvr/verifiers';
import { HttpError } from './http-error.js';
import type { TaskResolver } from './tasks.js';

/** The body of a `/v1/verify` request, after schema validation. */
export interface VerifyBody {
  /** The verifier (or data source) of every item; the server's `--task` when absent. */
  task?: string;
  /** The items: a response, its reference, and optionally its own task. */
  items: { response: string; reference: unknown; task?: string }[];
}

/** The pool items of a request; an unknown task is a 400 naming the field. */
export function verifyItems(body: VerifyBody, resolver: TaskResolver, defaultTask: string): PoolItem[] {
  const shared = body.task ?? defaultTask;
  const sharedVerifier = resolver.resolve(shared);
  return body.items.map((item, i) => {
    const verifier = item.task === undefined ? sharedVerifier : resolver.resolve(item.task);
    if (verifier === undefined) {
      const field = item.task === undefined ? 'body.task' : `body.items[${i}].task`;
      throw new HttpError(400, `${field}: ${resolver.unknown(item.task ?? shared)}`);
    }
    return { verifier, completion: item.response, reference: item.reference };
  });
}
