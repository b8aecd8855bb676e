/**
 * The exact success probability ρ_x of each prompt, for tasks whose whole response is one token and
 * whose verifier is exact match (the choice tasks): ρ_x = the sampling distribution's mass on the
 * tokens that decode, trimmed, to x's answer. No sampling noise, so per-prompt ρ trajectories can be
 * set beside the theory's. It holds only when a sampled response is exactly one token drawn from
 * softmax(logits / T) with no top-p or top-k truncation; {@link exactSuccessApplies} says when.
 */
import type { DecoderModel } from '@rlvr/kernels';
import type { TrainConfig } from '../config/index.js';
import type { TaskExample } from '../tasks/index.js';
import type { StepPrompt } from './rl-step.js';

/** Whether the exact success probability is the success rate of sampling under `config` (see the module comment). */
export function exactSuccessApplies(config: TrainConfig): boolean {
  const s = config.sampling;
  return (
    config.task.name === 'choice' &&
    config.task.verifier === null &&
    s.maxNewTokens === 1 &&
    s.topP === 1 &&
    s.topK === 0
  );
}

/** For each reference, the token ids whose text, trimmed, equals it (exact match on a one-token response). */
export function answerTokenIds(
  decode: (id: number) => string,
  vocabSize: number,
  references: readonly string[],
): Map<string, number[]> {
  const wanted = new Set(references);
  const ids = new Map<string, number[]>(references.map((r) => [r, []]));
  for (let id = 0; id < vocabSize; id++) {
    const text = decode(id).trim();
    if (wanted.has(text)) ids.get(text)!.push(id);
  }
  return ids;
}

/**
 * ρ for each prompt: one forward of the prompts (right-padded), softmax of the last prompt position's
 * logits divided by `temperature`, summed over the prompt's answer tokens (computed in f64).
 */
export async function exactSuccess(
  policy: DecoderModel,
  prompts: readonly StepPrompt[],
  answerIds: readonly (readonly number[])[],
  temperature: number,
  padId: number,
): Promise<Float64Array> {
  const batch = prompts.length;
  const seq = Math.max(...prompts.map((p) => p.ids.length));
  const tokens = new Int32Array(batch * seq).fill(padId);
  const mask = new Int32Array(batch * seq);
  prompts.forEach((p, b) => {
    tokens.set(p.ids, b * seq);
    mask.fill(1, b * seq, b * seq + p.ids.length);
  });
  const logits = await policy.forward(tokens, mask, batch, seq);
  const vocab = policy.config.vocabSize;
  const rho = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const row = (b * seq + prompts[b]!.ids.length - 1) * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[row + v]! / temperature);
    let total = 0;
    for (let v = 0; v < vocab; v++) total += Math.exp(logits[row + v]! / temperature - max);
    let hit = 0;
    for (const id of answerIds[b]!) hit += Math.exp(logits[row + id]! / temperature - max);
    rho[b] = hit / total;
  }
  return rho;
}

/** What {@link exactSuccessProbe} reads from a run: its prompts, their encoding, the tokenizer and the padding id. */
export interface ExactSuccessSource {
  train: readonly TaskExample[];
  test: readonly TaskExample[];
  encode: (example: TaskExample) => StepPrompt;
  decode: (id: number) => string;
  vocabSize: number;
  padId: number;
}

/** The exact ρ of every training and held-out prompt, measured on `policy` each time the returned function is called. */
export function exactSuccessProbe(
  source: ExactSuccessSource,
  policy: DecoderModel,
  temperature: number,
): () => Promise<{ train: number[]; test: number[] }> {
  const train = source.train.map(source.encode);
  const test = source.test.map(source.encode);
  const all = [...train, ...test];
  const ids = answerTokenIds(
    source.decode,
    source.vocabSize,
    all.map((p) => String(p.reference)),
  );
  const answerIds = all.map((p) => ids.get(String(p.reference))!);
  return async () => {
    const rho = Array.from(await exactSuccess(policy, all, answerIds, temperature, source.padId));
    return { train: rho.slice(0, train.length), test: rho.slice(train.length) };
  };
}
