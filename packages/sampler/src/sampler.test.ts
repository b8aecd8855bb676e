import { CausalLm } from './model/causal-lm.js';
import { Sampler, type Rollout } from './sampler.js';
import { SamplerTokenizer } from './tokenizer/tokenizer.js';
import { tinyModel, type TinyModel } from './testing/tiny-model.js';
import { logSoftmax } from './sampling/distribution.js';
import { GenerationError, NonFiniteLogitsError } from './errors.js';

// std 0.5 makes the tiny model's next-token distributions peaked enough for stop/EOS tests to be specific.
const tiny: TinyModel = tinyModel({ std: 0.5, seed: 2 });
const tokenizer = SamplerTokenizer.fromObjects(tiny.tokenizer.tokenizerJson, tiny.tokenizer.tokenizerConfig);
const prompts = ['How many clips', 'The quick brown fox jumps over', 'Answer:'];
let lm: CausalLm;
let sampler: Sampler;

beforeAll(async () => {
  lm = await CausalLm.fromWeights(tiny.config, tiny.weights);
  sampler = new Sampler(lm, tokenizer);
});
afterAll(async () => lm.release());

/** Logits of every position of `ids` from one cache-free forward (the independent check of the decode loop). */
async function fullLogits(ids: number[]): Promise<Float32Array> {
  return (await lm.prefill(ids)).logits;
}

/** Recomputes each completion token's log-probability under log softmax(logits / T) without cache or batching. */
async function recomputedLogprobs(r: Rollout, temperature: number): Promise<number[]> {
  const all = [...r.promptIds, ...r.completionIds];
  const logits = await fullLogits(all);
  const v = tiny.config.vocabSize;
  return r.completionIds.map((id, t) => logSoftmax(logits, temperature, (r.promptIds.length + t - 1) * v, v)[id]!);
}

describe('Sampler.generate', () => {
  it('returns M rollouts per prompt, ordered, with prompt ids, text = decode(completion) and finish reasons', async () => {
    const rollouts = await sampler.generate(prompts, { groupSize: 4, maxNewTokens: 10, seed: 1 });
    expect(rollouts.map((r) => [r.promptIndex, r.sampleIndex])).toEqual(prompts.flatMap((_, p) => [0, 1, 2, 3].map((s) => [p, s])));
    for (const r of rollouts) {
      expect(r.promptIds).toEqual(tokenizer.encode(prompts[r.promptIndex]!));
      expect(r.completionIds.length).toBe(r.logprobs.length);
      expect(r.finishReason).toBe('length');
      expect(r.completionIds.length).toBe(10);
      expect(r.text).toBe(tokenizer.decode(r.completionIds));
    }
  });

  it('logprobs are log softmax(logits / T) of the sampled tokens, as a cache-free forward recomputes them', async () => {
    // Prompts of different lengths: left padding, shared prefill and row compaction are all exercised.
    const rollouts = await sampler.generate(prompts, { groupSize: 3, maxNewTokens: 8, temperature: 0.7, topK: 20, seed: 3 });
    for (const r of rollouts) {
      const expected = await recomputedLogprobs(r, 0.7);
      r.logprobs.forEach((lp, t) => expect(lp).toBeCloseTo(expected[t]!, 4)); // f32 logits, different batch shapes
    }
  });

  it('greedy decoding takes the argmax of the recomputed logits at every step (logprobs at temperature 1)', async () => {
    const [r] = await sampler.generate([prompts[1]!], { greedy: true, maxNewTokens: 12 });
    const all = [...r!.promptIds, ...r!.completionIds];
    const logits = await fullLogits(all);
    const v = tiny.config.vocabSize;
    r!.completionIds.forEach((id, t) => {
      const row = logits.subarray((r!.promptIds.length + t - 1) * v, (r!.promptIds.length + t) * v);
      expect(id).toBe(row.indexOf(Math.max(...row)));
    });
    const expected = await recomputedLogprobs(r!, 1);
    r!.logprobs.forEach((lp, t) => expect(lp).toBeCloseTo(expected[t]!, 4));
    // temperature 0 and top-k 1 are greedy too
    expect((await sampler.generate([prompts[1]!], { temperature: 0, maxNewTokens: 12 }))[0]!.completionIds).toEqual(r!.completionIds);
    expect((await sampler.generate([prompts[1]!], { topK: 1, maxNewTokens: 12, seed: 9 }))[0]!.completionIds).toEqual(r!.completionIds);
  });

  it('is reproducible: same seed, same rollouts; another seed, other rollouts; no global RNG state', async () => {
    const options = { groupSize: 4, maxNewTokens: 12, seed: 42, topP: 0.9 };
    const a = await sampler.generate(prompts, options);
    await sampler.generate(prompts, { ...options, seed: 7 }); // an interleaved call must not change the next one
    const b = await sampler.generate(prompts, options);
    const c = await sampler.generate(prompts, { ...options, seed: 43 });
    expect(b).toEqual(a);
    expect(c.map((r) => r.completionIds)).not.toEqual(a.map((r) => r.completionIds));
    // the samples of one group differ from each other
    expect(new Set(a.filter((r) => r.promptIndex === 0).map((r) => r.text)).size).toBeGreaterThan(1);
  });

  it('only samples tokens inside the top-k set of the recomputed distribution', async () => {
    const rollouts = await sampler.generate(prompts, { groupSize: 4, maxNewTokens: 6, topK: 3, seed: 5 });
    const v = tiny.config.vocabSize;
    for (const r of rollouts) {
      const logits = await fullLogits([...r.promptIds, ...r.completionIds]);
      r.completionIds.forEach((id, t) => {
        const row = Array.from(logits.subarray((r.promptIds.length + t - 1) * v, (r.promptIds.length + t) * v));
        const rank = row.filter((x) => x > row[id]!).length;
        expect(rank).toBeLessThan(3);
      });
    }
  });

  it('a stop string spanning token boundaries ends the completion; the text is cut before it', async () => {
    const [free] = await sampler.generate([prompts[0]!], { greedy: true, maxNewTokens: 20 });
    // Find a 3-character stop string that starts inside one token and ends in a later one.
    const pieces = free!.completionIds.map((id) => tokenizer.decode([id]));
    let start = 0;
    let stop = '';
    let endToken = -1;
    for (let t = 0; t < pieces.length && !stop; t++) {
      const piece = pieces[t]!;
      if (piece.length >= 2 && !piece.includes('\uFFFD')) {
        const candidate = free!.text.slice(start + piece.length - 1, start + piece.length + 2);
        if (candidate.length === 3 && free!.text.indexOf(candidate) === start + piece.length - 1 && !candidate.includes('\uFFFD')) {
          stop = candidate;
          // the token at which the decoded text first contains the stop string
          for (let e = t + 1; e <= pieces.length; e++) {
            if (tokenizer.decode(free!.completionIds.slice(0, e)).includes(stop)) {
              endToken = e;
              break;
            }
          }
        }
      }
      start += piece.length;
    }
    expect(stop).not.toBe('');
    expect(endToken).toBeGreaterThan(1);
    const [r] = await sampler.generate([prompts[0]!], { greedy: true, maxNewTokens: 20, stop: ['never-there', stop] });
    expect(r!.finishReason).toBe('stop');
    expect(r!.completionIds).toEqual(free!.completionIds.slice(0, endToken));
    expect(r!.text).toBe(free!.text.slice(0, free!.text.indexOf(stop)));
  });

  it('an EOS token ends the completion (kept in the ids, not in the text)', async () => {
    const [free] = await sampler.generate([prompts[2]!], { greedy: true, maxNewTokens: 10 });
    const eos = free!.completionIds[3]!;
    const first = free!.completionIds.indexOf(eos);
    const withEos = new Sampler(lm, tokenizer.withExtraEos([eos]));
    const [r] = await withEos.generate([prompts[2]!], { greedy: true, maxNewTokens: 10 });
    expect(r!.finishReason).toBe('eos');
    expect(r!.completionIds).toEqual(free!.completionIds.slice(0, first + 1));
    expect(r!.text).toBe(tokenizer.decode(free!.completionIds.slice(0, first + 1)));
  });

  it('finished rows leave the batch: the decode batch shrinks as samples stop', async () => {
    const batches: number[] = [];
    const counting = Object.create(lm) as CausalLm;
    counting.step = async (inputs) => {
      batches.push(inputs.batch);
      return lm.step(inputs);
    };
    counting.decode = async (cache, ids, positions) => {
      batches.push(cache.batch);
      return lm.decode(cache, ids, positions);
    };
    const r = await new Sampler(counting, tokenizer).generate(prompts, { groupSize: 4, maxNewTokens: 30, seed: 8, stop: ['e'] });
    const lengths = r.map((x) => x.completionIds.length);
    // 3 prefills of one row, then decode steps whose batch = rows still running.
    expect(batches.slice(0, 3)).toEqual([1, 1, 1]);
    const decode = batches.slice(3);
    for (let s = 0; s < decode.length; s++) expect(decode[s]).toBe(lengths.filter((n) => n > s + 1).length);
    expect(Math.min(...decode)).toBeLessThan(12);
  });

  it('the KV cache holds each prompt once: more samples per prompt add only generated-token slots', async () => {
    const bytes: number[] = [];
    const measuring = Object.create(lm) as CausalLm;
    measuring.decode = async (cache, ids, positions) => {
      if (cache.length === 0) bytes.push(cache.bytes); // the first step of each call
      return lm.decode(cache, ids, positions);
    };
    const longPrompt = 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.';
    const sampler8 = new Sampler(measuring, tokenizer);
    await sampler8.generate([longPrompt], { groupSize: 1, maxNewTokens: 5, seed: 1 });
    await sampler8.generate([longPrompt], { groupSize: 8, maxNewTokens: 5, seed: 1 });
    const { numHiddenLayers: layers, numKeyValueHeads: kvH, headDim: d } = tiny.config;
    const perSlot = 4 * layers * 2 * kvH * d; // bytes of one token's K and V over all layers
    const promptLength = tokenizer.encode(longPrompt).length;
    expect(bytes[0]).toBe(perSlot * (promptLength + 1 * 4));
    expect(bytes[1]).toBe(perSlot * (promptLength + 8 * 4)); // not 8 × (prompt + 4)
  });

  it('an Optimum-convention graph (append cache, one prompt copy per row) gives the same rollouts', async () => {
    const optimum = await CausalLm.fromWeights(tiny.config, tiny.weights, { kvCache: 'append', weightMode: 'initializers' });
    expect(optimum.kvLayout).toBe('append');
    const options = { groupSize: 3, maxNewTokens: 10, seed: 21, topK: 8, stop: ['e '] };
    const a = await sampler.generate(prompts, options);
    const b = await new Sampler(optimum, tokenizer).generate(prompts, options);
    // Same seed and (to f32 rounding) the same distributions: the same tokens unless a draw falls within
    // rounding of a bucket edge, which these seeds do not hit.
    expect(b.map((r) => r.completionIds)).toEqual(a.map((r) => r.completionIds));
    expect(b.map((r) => r.finishReason)).toEqual(a.map((r) => r.finishReason));
    expect(new Set(a.map((r) => r.finishReason))).toEqual(new Set(['stop', 'length'])); // rows left the batch at different steps
    b.forEach((r, i) => r.logprobs.forEach((lp, t) => expect(lp).toBeCloseTo(a[i]!.logprobs[t]!, 4)));
    await optimum.release();
  });

  it('weights as graph inputs (training) and as initializers give bit-identical rollouts: same seed, same tokens and logprobs', async () => {
    const baked = await CausalLm.fromWeights(tiny.config, tiny.weights, { weightMode: 'initializers' });
    expect([lm.weightMode, baked.weightMode]).toEqual(['inputs', 'initializers']);
    const options = { groupSize: 3, maxNewTokens: 12, seed: 5, temperature: 1.3, stop: ['e '] };
    const a = await sampler.generate(prompts, options);
    const b = await new Sampler(baked, tokenizer).generate(prompts, options);
    expect(b.map((r) => r.completionIds)).toEqual(a.map((r) => r.completionIds));
    expect(b.map((r) => r.logprobs)).toEqual(a.map((r) => r.logprobs)); // exact, not close
    await baked.release();
  });

  it('stops at the context length with finishReason length', async () => {
    const short = tinyModel({ std: 0.5, seed: 2, config: { max_position_embeddings: 20 } });
    const small = await CausalLm.fromWeights(short.config, short.weights);
    const prompt = tokenizer.encode('The quick brown fox');
    const [r] = await new Sampler(small, tokenizer).generate([prompt], { maxNewTokens: 50, seed: 1 });
    expect(r!.finishReason).toBe('length');
    expect(prompt.length + r!.completionIds.length).toBe(20);
    expect(r!.completionIds.length).toBeLessThan(50); // the context, not maxNewTokens, ended it
    await small.release();
  });
});

describe('Sampler: shared-prefix sampling has the distribution of independent sampling', () => {
  it('first two tokens: M samples of one prefill vs one sample each of M prefills (two-sample χ²)', async () => {
    const m = 1500;
    const options = { maxNewTokens: 2, topK: 4, temperature: 1.5 };
    const shared = await sampler.generate([prompts[0]!], { ...options, groupSize: m, seed: 100 });
    const independent = await sampler.generate(
      Array.from({ length: m }, () => prompts[0]!),
      { ...options, groupSize: 1, seed: 200 },
    );
    const key = (r: Rollout): string => r.completionIds.join(',');
    const a = new Map<string, number>();
    const b = new Map<string, number>();
    for (const r of shared) a.set(key(r), (a.get(key(r)) ?? 0) + 1);
    for (const r of independent) b.set(key(r), (b.get(key(r)) ?? 0) + 1);
    // Pool rare pairs (expected < 5 in total) into one cell so the χ² approximation holds.
    const cells = new Map<string, [number, number]>();
    for (const k of new Set([...a.keys(), ...b.keys()])) {
      const pair: [number, number] = [a.get(k) ?? 0, b.get(k) ?? 0];
      const cell = pair[0] + pair[1] < 10 ? 'rare' : k;
      const c = cells.get(cell) ?? [0, 0];
      cells.set(cell, [c[0] + pair[0], c[1] + pair[1]]);
    }
    let chi2 = 0;
    for (const [x, y] of cells.values()) chi2 += (x - y) ** 2 / (x + y); // equal sample sizes
    const df = cells.size - 1;
    expect(df).toBeGreaterThan(4);
    // Wilson–Hilferty upper 0.1% quantile of χ²(df): a false failure 1 time in 1000 (the seeds are fixed).
    const z = 3.09;
    const critical = df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
    expect(chi2).toBeLessThan(critical);
  });

  it('first token frequencies match the model probabilities (χ² against the exact distribution)', async () => {
    const m = 3000;
    const rollouts = await sampler.generate([prompts[1]!], { maxNewTokens: 1, topK: 5, groupSize: m, seed: 9 });
    const ids = rollouts[0]!.promptIds;
    const v = tiny.config.vocabSize;
    const lp = logSoftmax(await fullLogits(ids), 1, (ids.length - 1) * v, v);
    const top = Array.from(lp.keys())
      .sort((x, y) => lp[y]! - lp[x]!)
      .slice(0, 5);
    const mass = top.reduce((s, i) => s + Math.exp(lp[i]!), 0);
    let chi2 = 0;
    for (const id of top) {
      const observed = rollouts.filter((r) => r.completionIds[0] === id).length;
      const expected = (m * Math.exp(lp[id]!)) / mass;
      chi2 += (observed - expected) ** 2 / expected;
    }
    expect(rollouts.every((r) => top.includes(r.completionIds[0]!))).toBe(true);
    expect(chi2).toBeLessThan(18.47); // χ²(4 df) at p = 0.001
  });
});

describe('Sampler: bad input', () => {
  it('names a prompt longer than the context, an empty prompt and an out-of-vocabulary id', async () => {
    const long = Array.from({ length: 256 }, () => 5);
    await expect(sampler.generate(['ok', long])).rejects.toThrow(new GenerationError("prompt 1 has 256 tokens; the model's context is 256, so at most 255 leave room for one new token"));
    await expect(sampler.generate(['ok', ''])).rejects.toThrow(/prompt 1 is empty/);
    await expect(sampler.generate([[1, 2, 100000]])).rejects.toThrow(/prompt 0: token 2 is 100000, expected an integer id in \[0, \d+\)/);
  });

  it('NaN / infinite logits raise NonFiniteLogitsError naming prompt, sample and step', async () => {
    // Finite but huge weights overflow f32 inside the graph: the logits become ±Infinity or NaN.
    const broken = tinyModel({ std: 0.5, seed: 2 });
    broken.weights['model.norm.weight']!.data.fill(3e38);
    const bad = await CausalLm.fromWeights(broken.config, broken.weights);
    const error = await new Sampler(bad, tokenizer).generate(['ok'], { groupSize: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLogitsError);
    expect((error as Error).message).toMatch(/non-finite logit \((NaN|-?Infinity)\) for prompt 0, sample 0, at generated token 0/);
    await bad.release();
  });

  it('rejects a tokenizer with more ids than the model has logits', () => {
    const narrow = tinyModel({ config: { vocab_size: 100 } });
    return CausalLm.fromWeights(narrow.config, narrow.weights).then(async (m) => {
      expect(() => new Sampler(m, tokenizer)).toThrow(/tokenizer has \d+ ids but the model's vocab_size is 100/);
      await m.release();
    });
  });
});
