/**
 * The cpu backend's `compiled` engine: what {@link CompiledTrainStep} runs for each backend call.
 * - A PG-loss micro-batch is one session call (forward, loss gradient, backward); the loss value and
 *   statistics come from the reference loss on the rows' logprobs and entropies that call returns.
 *   A loss with an option the loss graph lacks (`referenceOnlyOption`) runs as a forward keeping the
 *   activations, the reference loss on its rows, and the backward from the rows' upstream gradients.
 * - Token logprobs run a forward that fetches only the rows.
 * - The explicit logits path (read the logits, give d loss/d logits) runs a forward that fetches the
 *   logits and activations, and the backward from those.
 * A forward call only records the batch: what to run is known when its results are asked for.
 */
import type { DecoderConfig } from '@rlvr/core';
import type { DecoderTensors } from '../decoder/types.js';
import { KernelOptionError } from '../errors.js';
import { aggregationWeights, type PgLossLogitsOptions, referenceOnlyOption } from '../loss/loss.shared.js';
import type { RowUpstream } from '../loss/row-loss.js';
import type { PaddedPolicyInputs } from '../policy/policy-batch.js';
import { type CompiledForward, type ForwardFetch, type MicroBatch, CompiledTrainStep } from './compiled-step.js';
import { LOSS_GRAPH_IO, type LossGraphVariant } from './loss-graph.js';

/** The batch of the last forward (targets and temperature come with the call that runs it). */
type Batch = Omit<MicroBatch, 'targets' | 'temperature'>;

/** Whether two id arrays are equal element-wise. */
function sameInts(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The loss-graph variant and inputs of a PG loss's options and padded inputs, times the loss scale. */
export function lossGraphInputs(
  inputs: Omit<PaddedPolicyInputs, 'targets'>,
  o: PgLossLogitsOptions,
  scale: number,
): { variant: LossGraphVariant; feeds: Record<string, Float32Array | number> } {
  const io = LOSS_GRAPH_IO;
  const missing = referenceOnlyOption(o);
  if (missing !== null) {
    throw new KernelOptionError(
      `compiled loss graph: ${missing} is not in the loss graph; run the loss on the rows (rows, rowPolicyLoss, backwardFromRows)`,
    );
  }
  const tokenWeight = aggregationWeights(inputs.mask, o.batch, o.seqLen, o.aggregation, o.normaliser ?? o.seqLen);
  const variant: LossGraphVariant = {
    onPolicy: inputs.oldLogp === null,
    kl: o.beta === 0 ? 'none' : (o.kl ?? 'k3'),
    tis: o.tisCap !== undefined && o.tisCap !== null && inputs.samplerLogp !== null,
    entropy: (o.entropyCoef ?? 0) !== 0,
  };
  const f32 = (a: ArrayLike<number>): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));
  const feeds: Record<string, Float32Array | number> = {
    [io.advantages]: f32(inputs.advantages),
    [io.tokenWeight]: Float32Array.from(tokenWeight, (w) => w * scale),
    [io.epsLow]: o.epsLow,
    [io.epsHigh]: o.epsHigh,
    [io.beta]: o.beta,
    [io.entropyCoef]: o.entropyCoef ?? 0,
  };
  if (inputs.oldLogp) feeds[io.oldLogp] = f32(inputs.oldLogp);
  if (inputs.refLogp) feeds[io.refLogp] = f32(inputs.refLogp);
  if (variant.tis) {
    feeds[io.samplerLogp] = f32(inputs.samplerLogp!);
    feeds[io.tisCap] = o.tisCap!;
  }
  return { variant, feeds };
}

/** The compiled engine's state and calls (see the module comment). */
export class CompiledEngine {
  readonly #config: DecoderConfig;
  readonly #threads: number;
  #step: Promise<CompiledTrainStep> | undefined;
  #batch: Batch | undefined;
  /** The last batch's forward, once one ran. */
  #run: CompiledForward | undefined;

  constructor(config: DecoderConfig, threads: number) {
    this.#config = config;
    this.#threads = threads;
  }

  /** Record the batch of a forward (run when its results are asked for). */
  setBatch(ids: Int32Array, mask: Int32Array, batch: number, seq: number): void {
    this.#batch = { ids, mask, batch, seq };
    this.#run = undefined;
  }

  /** The last batch's logits [batch·seq, vocab], from a forward that also keeps the activations. */
  async logits(params: DecoderTensors<Float32Array>): Promise<Float32Array> {
    return (await this.#forward(params, undefined, 1, 'all')).logits!;
  }

  /** Logprob and entropy of each row at `targets` (logits / `temperature`), from a rows-only forward (or one fetching `fetch`). */
  async rows(
    params: DecoderTensors<Float32Array>,
    targets: Int32Array,
    temperature: number,
    fetch: ForwardFetch = 'rows',
  ): Promise<{ logprob: Float32Array; entropy: Float32Array }> {
    const f = await this.#forward(params, targets, temperature, fetch);
    return { logprob: f.logprob.slice(), entropy: f.entropy.slice() };
  }

  /**
   * The PG loss's step on the last batch in one call: the rows' logprobs and entropies (for the
   * reference loss's value and statistics) and every parameter's gradient of the loss times `scale`.
   */
  async policyStep(
    params: DecoderTensors<Float32Array>,
    targets: Int32Array,
    inputs: Omit<PaddedPolicyInputs, 'targets'>,
    options: PgLossLogitsOptions,
    scale: number,
  ): Promise<{ rows: { logprob: Float32Array; entropy: Float32Array }; gradients: DecoderTensors<Float32Array> }> {
    const b = this.#requireBatch();
    const { variant, feeds } = lossGraphInputs(inputs, options, scale);
    const step = await this.#compiled();
    const r = await step.step(params, { ...b, targets, temperature: options.temperature ?? 1 }, variant, feeds);
    return { rows: { logprob: r.logprob, entropy: r.entropy }, gradients: r.gradients };
  }

  /**
   * Every parameter's gradient of a loss whose d loss/d (logprob, entropy) of each row of the last
   * batch is `upstream`: a forward that keeps the activations (reused when the last one did, with these
   * targets and temperature), then the backward from the rows. For losses the loss graph lacks.
   */
  async backwardFromRows(
    params: DecoderTensors<Float32Array>,
    targets: Int32Array,
    temperature: number,
    upstream: RowUpstream,
  ): Promise<DecoderTensors<Float32Array>> {
    const f = await this.#forward(params, targets, temperature, 'all');
    return await (await this.#compiled()).backwardFromLogprob(f, upstream.gLogprob, upstream.gEntropy);
  }

  /** Every parameter's gradient of a loss with d loss/d logits `dlogits` [batch·seq, vocab] on the last batch. */
  async backwardFromLogits(
    params: DecoderTensors<Float32Array>,
    dlogits: Float32Array,
  ): Promise<DecoderTensors<Float32Array>> {
    // Any targets and temperature do: the backward from logits reads the activations only.
    const f = await this.#forward(params, undefined, 1, 'all');
    return await (await this.#compiled()).backwardFromLogits(f, dlogits);
  }

  /** Release the sessions. */
  async dispose(): Promise<void> {
    if (this.#step) await (await this.#step).dispose();
  }

  #requireBatch(): Batch {
    if (!this.#batch) throw new Error('cpu backend: no forward to run; call forward first');
    return this.#batch;
  }

  #compiled(): Promise<CompiledTrainStep> {
    this.#step ??= CompiledTrainStep.create(this.#config, { threads: this.#threads, spinning: false });
    return this.#step;
  }

  /**
   * The forward of the last batch with these targets (default: those of the last run, else zeros) and
   * temperature, fetching at least `fetch`: run now, or the last run's when it had all of that.
   */
  async #forward(
    params: DecoderTensors<Float32Array>,
    targets: Int32Array | undefined,
    temperature: number,
    fetch: ForwardFetch,
  ): Promise<CompiledForward> {
    const b = this.#requireBatch();
    const last = this.#run;
    const reusable =
      last &&
      (fetch === 'rows' || last.fetched === 'all') &&
      (targets === undefined || (last.micro.temperature === temperature && sameInts(last.micro.targets, targets)));
    if (reusable) return last;
    const wanted = targets ?? last?.micro.targets ?? new Int32Array(b.batch * b.seq);
    this.#run = await (await this.#compiled()).forward(params, { ...b, targets: wanted, temperature }, fetch);
    return this.#run;
  }
}
