/**
 * Group rollouts: each prompt is prefilled once and its KV cache serves its M samples; all prompts ×
 * samples decode as one left-padded batch; rows that finish are dropped from the batch (and its cache)
 * so they stop costing compute. With the project's graph the M samples read one shared copy of their
 * prompt's cache (see DecodeCache); Optimum exports use their append-per-step cache (one copy per row).
 */
import { SeededRandom, type NamedTensors } from '@rlvr/core';
import { GenerationError, NonFiniteLogitsError } from './errors.js';
import type { CausalLm } from './model/causal-lm.js';
import { BufferPool } from './model/buffer-pool.js';
import { DecodeCache, type PrefillCache } from './model/decode-cache.js';
import { argmax, drawToken, keepsAll, keptTokens, logSoftmax } from './sampling/distribution.js';
import { resolveOptions, type GenerateOptions, type ResolvedOptions } from './sampling/options.js';
import { findStop } from './sampling/stop.js';
import type { SamplerTokenizer } from './tokenizer/tokenizer.js';

/** Why a completion ended: a stop string, an end-of-sequence token, or maxNewTokens / the context length. */
export type FinishReason = 'stop' | 'eos' | 'length';

/** One sampled completion of one prompt. */
export interface Rollout {
  /** Index of the prompt in the `generate` call. */
  promptIndex: number;
  /** Index of this sample within its prompt's group (0 … M−1). */
  sampleIndex: number;
  promptIds: number[];
  /** Generated ids, including the EOS token or the token that completed a stop string. */
  completionIds: number[];
  /** Decoded completion without special tokens, cut before a stop string. */
  text: string;
  /**
   * Per completion token: log π(token) under the distribution it was sampled from before truncation,
   * i.e. log softmax(logits / temperature) (top-k / top-p / min-p not applied); greedy: log softmax(logits).
   */
  logprobs: number[];
  finishReason: FinishReason;
}

/** A prompt: plain text (encoded by {@link SamplerTokenizer.encodePrompt}: BOS first where the tokenizer adds one) or token ids. */
export type Prompt = string | number[];

/** One decoding row: a sample of a prompt. */
interface Row {
  prompt: number;
  sample: number;
  ids: number[];
  logprobs: number[];
  text: string;
  finish: FinishReason | null;
}

/** Generates rollouts from a {@link CausalLm} and a tokenizer. */
export class Sampler {
  /** The decode cache's per-row buffers, kept from one `generate` for the next (see BufferPool). */
  private readonly buffers = new BufferPool();

  /** Creates a sampler; the model's vocabulary must cover the tokenizer's ids. */
  constructor(
    readonly model: CausalLm,
    readonly tokenizer: SamplerTokenizer,
  ) {
    if (tokenizer.vocabSize > model.geometry.vocabSize) {
      throw new GenerationError(
        `tokenizer has ${tokenizer.vocabSize} ids but the model's vocab_size is ${model.geometry.vocabSize}`,
      );
    }
  }

  /** Swaps the policy's weights (and LoRA adapters, for a graph that runs them) between RL steps (see {@link CausalLm.setWeights}). */
  async setWeights(weights: NamedTensors, adapters?: NamedTensors): Promise<void> {
    await this.model.setWeights(weights, adapters);
  }

  /** Samples `groupSize` completions for every prompt; rollouts are ordered by prompt, then sample. */
  async generate(prompts: Prompt[], options: GenerateOptions = {}): Promise<Rollout[]> {
    const o = resolveOptions(options);
    const g = this.model.geometry;
    const promptIds = prompts.map((p, i) => this.promptIds(p, i));
    const rng = new SeededRandom(o.seed);
    const eos = new Set(this.tokenizer.eosTokenIds);

    // Prefill each prompt once; its last-position logits give the first token of each of its samples.
    const rows: Row[] = [];
    const prefills: { cache: PrefillCache; logits: Float32Array }[] = [];
    for (let p = 0; p < promptIds.length; p++) {
      const ids = promptIds[p]!;
      const n = ids.length;
      const out = await this.model.prefill(ids);
      prefills.push({ cache: out.present, logits: out.logits.subarray((n - 1) * g.vocabSize, n * g.vocabSize) });
      for (let s = 0; s < o.groupSize; s++) {
        rows.push({ prompt: p, sample: s, ids: [], logprobs: [], text: '', finish: null });
      }
    }
    for (const row of rows) {
      this.advance(row, prefills[row.prompt]!.logits, 0, promptIds[row.prompt]!.length, o, rng, eos);
    }

    let active = rows.filter((r) => r.finish === null);
    if (active.length === 0) return this.rollouts(rows, promptIds);
    // Generated-token slots: every generated token but the last (it is never fed back).
    const cache = DecodeCache.fromPrefills(
      this.model.kvLayout,
      g,
      prefills.map((p) => p.cache),
      active.map((r) => r.prompt),
      o.maxNewTokens - 1,
      this.buffers,
    );
    while (active.length > 0) {
      const batch = active.length;
      const inputIds = new BigInt64Array(batch);
      const positions = new BigInt64Array(batch);
      for (let r = 0; r < batch; r++) {
        const row = active[r]!;
        inputIds[r] = BigInt(row.ids[row.ids.length - 1]!);
        positions[r] = BigInt(promptIds[row.prompt]!.length + row.ids.length - 1);
      }
      const logits = await this.model.decode(cache, inputIds, positions);
      for (let r = 0; r < batch; r++) {
        this.advance(active[r]!, logits, r * g.vocabSize, promptIds[active[r]!.prompt]!.length, o, rng, eos);
      }
      const keep = active.map((row, r) => (row.finish === null ? r : -1)).filter((r) => r >= 0);
      if (keep.length < batch && keep.length > 0) cache.selectRows(keep);
      active = keep.map((r) => active[r]!);
    }
    cache.release();
    return this.rollouts(rows, promptIds);
  }

  private rollouts(rows: Row[], promptIds: number[][]): Rollout[] {
    return rows.map((row) => ({
      promptIndex: row.prompt,
      sampleIndex: row.sample,
      promptIds: promptIds[row.prompt]!,
      completionIds: row.ids,
      text: row.finish === 'stop' ? row.text : this.tokenizer.decode(row.ids),
      logprobs: row.logprobs,
      finishReason: row.finish ?? 'length',
    }));
  }

  private promptIds(prompt: Prompt, index: number): number[] {
    const ids = typeof prompt === 'string' ? this.tokenizer.encodePrompt(prompt) : prompt;
    const { vocabSize, maxContext } = this.model.geometry;
    if (ids.length === 0) throw new GenerationError(`prompt ${index} is empty (no tokens)`);
    if (ids.length >= maxContext) {
      throw new GenerationError(
        `prompt ${index} has ${ids.length} tokens; the model's context is ${maxContext}, so at most ${maxContext - 1} leave room for one new token`,
      );
    }
    const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
    if (bad >= 0) {
      throw new GenerationError(
        `prompt ${index}: token ${bad} is ${ids[bad]}, expected an integer id in [0, ${vocabSize})`,
      );
    }
    return ids;
  }

  /** Samples the next token of `row` from one row of logits and updates its text and finish state. */
  private advance(
    row: Row,
    logits: Float32Array,
    offset: number,
    promptLength: number,
    o: ResolvedOptions,
    rng: SeededRandom,
    eos: Set<number>,
  ): void {
    const vocab = this.model.geometry.vocabSize;
    for (let i = 0; i < vocab; i++) {
      const v = logits[offset + i]!;
      if (!Number.isFinite(v)) throw new NonFiniteLogitsError(row.prompt, row.sample, row.ids.length, v);
    }
    let token: number;
    let logprob: number;
    if (o.greedy) {
      token = argmax(logits, offset, vocab);
      logprob = logSoftmax(logits, 1, offset, vocab)[token]!;
    } else {
      const lp = logSoftmax(logits, o.temperature, offset, vocab);
      token = drawToken(lp, keepsAll(o) ? null : keptTokens(lp, o), rng);
      logprob = lp[token]!;
    }
    row.ids.push(token);
    row.logprobs.push(logprob);
    if (eos.has(token)) {
      row.finish = 'eos';
      return;
    }
    // Decoding every step is only needed to watch for stop strings; otherwise the text is decoded once at the end.
    if (o.stop.length > 0) {
      row.text = this.tokenizer.decode(row.ids);
      const at = findStop(row.text, o.stop);
      if (at >= 0) {
        row.text = row.text.slice(0, at);
        row.finish = 'stop';
        return;
      }
    }
    if (row.ids.length >= o.maxNewTokens || promptLength + row.ids.length >= this.model.geometry.maxContext) {
      row.finish = 'length';
    }
  }
}
