/**
 * `POST /get_reward`: OpenRLHF's remote reward protocol (`--reward.remote_url`). OpenRLHF posts
 * `{"query": [...], "prompts": [...], "labels": [...]}`, where each query is the prompt followed by
 * the response, and reads `rewards` (the training reward), `scores` (0–1, for its dynamic filtering)
 * and `extra_logs` (per-sample values it logs). The verifier is the server's `--task`, or the request's
 * `task`, or per item `data_source[i]`, or a label written as `{"task" | "data_source": …, "reference"
 * | "ground_truth": …}`; any other label is the reference itself.
 */
import type { PoolItem, VerificationResult } from '@rlvr/verifiers';
import { HttpError } from './http-error.js';
import type { TaskResolver } from './tasks.js';

/** The body of a `/get_reward` request, after schema validation. */
export interface GetRewardBody {
  /** Prompt + response of each sample. */
  query: string[];
  /** The prompt of each sample (stripped from the front of its query). */
  prompts?: string[];
  /** The reference of each sample, or an envelope that also names its task. */
  labels?: unknown[];
  /** The verifier (or data source) of every sample. */
  task?: string;
  /** The verifier (or data source) of each sample. */
  data_source?: string[];
}

/** The reply OpenRLHF reads: `rewards`, `scores`, `extra_logs` (per-sample lists), plus each sample's reason. */
export interface GetRewardReply {
  /** The verifier's reward of each sample. */
  rewards: number[];
  /** 1 for a correct sample, else 0 (OpenRLHF filters groups on these). */
  scores: number[];
  /** Per-sample values OpenRLHF logs: correct, format_ok, timeout (0/1). */
  extra_logs: { correct: number[]; format_ok: number[]; timeout: number[] };
  /** Each sample's reason (`correct`, `wrong-answer: …`, `timeout`, `error: …`). */
  reasons: string[];
}

/** The response of a query: the text after its prompt (OpenRLHF's queries start with the prompt). */
export function responseOf(query: string, prompt: string | undefined): string {
  if (prompt === undefined || prompt === '') return query;
  if (query.startsWith(prompt)) return query.slice(prompt.length);
  const at = query.indexOf(prompt);
  return at < 0 ? query : query.slice(at + prompt.length);
}

function sameLength(field: string, list: readonly unknown[] | undefined, n: number): void {
  if (list !== undefined && list.length !== n) {
    throw new HttpError(400, `body.${field}: expected ${n} entries (one per query), got ${list.length}`);
  }
}

/** A label that routes its sample: `{task | data_source, reference | ground_truth}`. */
function envelopeOf(label: unknown): { task?: unknown; reference: unknown } | undefined {
  if (typeof label !== 'object' || label === null || Array.isArray(label)) return undefined;
  const record = label as Record<string, unknown>;
  if (!('reference' in record) && !('ground_truth' in record)) return undefined;
  return { task: record.task ?? record.data_source, reference: record.reference ?? record.ground_truth };
}

/** The pool items of a request; every problem is a 400 naming the field. */
export function getRewardItems(body: GetRewardBody, resolver: TaskResolver, defaultTask: string): PoolItem[] {
  const n = body.query.length;
  sameLength('prompts', body.prompts, n);
  sameLength('labels', body.labels, n);
  sameLength('data_source', body.data_source, n);
  if (body.labels === undefined && n > 0) {
    throw new HttpError(400, 'body.labels: missing; each query needs its reference answer (OpenRLHF --data.label_key)');
  }
  const items: PoolItem[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const label = body.labels![i];
    const envelope = envelopeOf(label);
    let field: string;
    let name: unknown;
    if (envelope?.task !== undefined) [field, name] = [`body.labels[${i}].task`, envelope.task];
    else if (body.data_source !== undefined) [field, name] = [`body.data_source[${i}]`, body.data_source[i]];
    else if (body.task !== undefined) [field, name] = ['body.task', body.task];
    else [field, name] = ['--task', defaultTask];
    if (typeof name !== 'string') throw new HttpError(400, `${field}: expected a string`);
    const verifier = resolver.resolve(name);
    if (verifier === undefined) throw new HttpError(400, `${field}: ${resolver.unknown(name)}`);
    const reference = envelope === undefined ? label : envelope.reference;
    if (reference === null || reference === undefined) {
      throw new HttpError(
        400,
        `body.labels[${i}]: ${reference === null ? 'null' : 'missing'}; expected the reference answer`,
      );
    }
    items[i] = { verifier, completion: responseOf(body.query[i]!, body.prompts?.[i]), reference };
  }
  return items;
}

/** The reply for the results of {@link getRewardItems}'s items. */
export function getRewardReply(results: readonly VerificationResult[]): GetRewardReply {
  const bit = (b: boolean) => (b ? 1 : 0);
  return {
    rewards: results.map((r) => r.reward),
    scores: results.map((r) => bit(r.correct)),
    extra_logs: {
      correct: results.map((r) => bit(r.correct)),
      format_ok: results.map((r) => bit(r.formatOk)),
      timeout: results.map((r) => bit(r.reason === 'timeout')),
    },
    reasons: results.map((r) => r.reason),
  };
}
