/**
 * Group sampling throughput: B prompts × M samples × N new tokens on a ~1M and a ~30M
 * parameter model, through this package and, in the same process on the same ONNX model, through
 * transformers.js (`model.generate` on the B·M rows, which is how it samples M completions per prompt),
 * plus the floor given by the model's FLOPs per generated token over ORT's measured MatMul rate.
 *
 * Run: `npm run bench -w @rlvr/sampler` (writes bench-results/sampler.json). Env: BENCH_QUICK=1 runs
 * one timed repetition of each measurement; BENCH_CASES=30m (comma-separated: 1m, 30m) runs only those
 * models; BENCH_RUNS=n overrides the number of repetitions.
 *
 * `group-sampling-<model>` is the default weight mode (`auto`, resolved per model) against transformers.js;
 * `group-sampling-<model>-inputs` is weights as graph inputs (the default before `auto`) against
 * transformers.js, measured in the same rotation; `group-sampling-<model>-spinning` is the default with
 * ORT's intra-op spinning turned on against the default (off). Ratios are medians of per-round ratios.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  encodeOnnxModel,
  initWeights,
  parameterCount,
  parseDecoderConfig,
  SeededRandom,
  type DecoderConfig,
} from '@rlvr/core';
import {
  compared,
  comparedRounds,
  median,
  standalone,
  writeResults,
  type BenchEntry,
} from '../../../tools/bench/harness.js';
import {
  CausalLm,
  encodeDecoderGraph,
  keptTokens,
  logSoftmax,
  resolveWeightMode,
  Sampler,
  SamplerTokenizer,
} from '../src/index.js';
import { BENCH_30M_CONFIG_JSON, TINY_CORPUS, writeModelDir } from '../src/testing/index.js';
import { BENCH_1M_CONFIG, benchTokenizer } from './bench-setup.js';

const PROMPTS = 16;
const SAMPLES = 16;
const NEW_TOKENS = 64;
const QUICK = process.env.BENCH_QUICK === '1';
const ONLY = process.env.BENCH_CASES?.split(',').map((s) => s.trim());
const RUNS = process.env.BENCH_RUNS ? Number(process.env.BENCH_RUNS) : undefined;

/** 2·(parameters used as matrices) + attention (QKᵀ and PV) at an average context of `context` tokens. */
function flopsPerToken(c: DecoderConfig, context: number): number {
  const matrices = parameterCount(c) - c.vocabSize * c.hiddenSize * (c.tieWordEmbeddings ? 0 : 1); // embedding gather is free, the head is a matmul
  const attention = 4 * context * c.numAttentionHeads * c.headDim * c.numHiddenLayers;
  return 2 * matrices + attention;
}

/** ORT's MatMul rate (FLOP/s) at the decode batch's shape: [rows, hidden] · [hidden, intermediate]. */
async function matmulRate(rows: number, k: number, n: number): Promise<number> {
  const session = await ort.InferenceSession.create(
    encodeOnnxModel({
      nodes: [{ opType: 'MatMul', inputs: ['A', 'B'], outputs: ['C'] }],
      inputs: [
        { name: 'A', dims: [rows, k] },
        { name: 'B', dims: [k, n] },
      ],
      outputs: [{ name: 'C', dims: [rows, n] }],
    }),
  );
  const a = new ort.Tensor('float32', new Float32Array(rows * k).fill(0.5), [rows, k]);
  const b = new ort.Tensor('float32', new Float32Array(k * n).fill(0.25), [k, n]);
  for (let i = 0; i < 5; i++) await session.run({ A: a, B: b });
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    await session.run({ A: a, B: b });
    times.push((performance.now() - t) / 1e3);
  }
  await session.release();
  return (2 * rows * k * n) / median(times);
}

async function timeRuns(runs: number, fn: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const tokens = await fn();
    rates.push(tokens / ((performance.now() - t) / 1e3));
  }
  return median(rates);
}

const mb = (bytes: number): number => Math.round(bytes / 1048576);

interface Case {
  name: string;
  config: DecoderConfig;
  vocab: number;
  runs: number;
}

const cases: Case[] = [
  {
    name: '1m',
    vocab: 512,
    runs: QUICK ? 1 : 5,
    config: BENCH_1M_CONFIG,
  },
  {
    name: '30m',
    vocab: 2048,
    runs: QUICK ? 1 : 3,
    config: parseDecoderConfig(BENCH_30M_CONFIG_JSON),
  },
];

const selected = cases.filter((c) => !ONLY || ONLY.includes(c.name)).map((c) => (RUNS ? { ...c, runs: RUNS } : c));
const entries: BenchEntry[] = [];
const dir = mkdtempSync(join(tmpdir(), 'rlvr-sampler-bench-'));
const tjs = await import('@huggingface/transformers');
tjs.env.allowRemoteModels = false;

try {
  for (const c of selected) {
    const tokenizerFiles = benchTokenizer(c.vocab);
    const weights = initWeights(c.config, 1);
    const modelDir = join(dir, c.name);
    writeModelDir(modelDir, { config: c.config, weights, tokenizer: tokenizerFiles });
    mkdirSync(join(modelDir, 'onnx'));
    writeFileSync(
      join(modelDir, 'onnx', 'model.onnx'),
      await encodeDecoderGraph(c.config, { weights: 'initializers', named: weights }),
    );
    const tokenizer = SamplerTokenizer.fromObjects(tokenizerFiles.tokenizerJson, tokenizerFiles.tokenizerConfig);
    const prompts = Array.from(
      { length: PROMPTS },
      (_, i) => `${TINY_CORPUS[i % TINY_CORPUS.length]!.slice(0, 40 + 7 * (i % 5))} ${i}`,
    );
    const promptTokens = prompts.map((p) => tokenizer.encode(p).length);
    const meanContext = promptTokens.reduce((a, b) => a + b, 0) / PROMPTS + NEW_TOKENS / 2;
    const generated = PROMPTS * SAMPLES * NEW_TOKENS;
    const options = { groupSize: SAMPLES, maxNewTokens: NEW_TOKENS, temperature: 1, seed: 1 };
    console.log(
      `model ${c.name}: ${(parameterCount(c.config) / 1e6).toFixed(2)}M parameters, prompts of ${Math.min(...promptTokens)}–${Math.max(...promptTokens)} tokens`,
    );

    // This package, weights as graph inputs (the default) and as initializers.
    const rates: Record<string, number> = {};
    const swaps: Record<string, number> = {};
    let cacheBytes = 0;
    const modes = ['inputs', 'initializers'] as const;
    const samplers = new Map<string, { lm: CausalLm; sampler: Sampler }>();
    // `spinning`: the default weight mode with ORT's idle intra-op threads busy-waiting (its own default).
    for (const mode of [...modes, 'spinning'] as const) {
      const lm = await CausalLm.fromWeights(c.config, weights, {
        weightMode: mode === 'spinning' ? 'auto' : mode,
        spinning: mode === 'spinning',
      });
      const decode = lm.decode.bind(lm);
      lm.decode = async (cache, ids, positions) => {
        cacheBytes = Math.max(cacheBytes, cache.bytes);
        return decode(cache, ids, positions);
      };
      const sampler = new Sampler(lm, tokenizer);
      await sampler.generate(prompts, options); // untimed warm-up at full size: the memory peak of this package
      samplers.set(mode, { lm, sampler });
    }
    const rss = process.resourceUsage().maxRSS * 1024;
    // One token's K and V over all layers; Optimum's layout would hold rows × (longest prompt + new tokens) of them.
    const slot = c.config.numHiddenLayers * 2 * c.config.numKeyValueHeads * c.config.headDim * 4;
    const appendBytes = PROMPTS * SAMPLES * (Math.max(...promptTokens) + NEW_TOKENS) * slot;
    console.log(
      `  peak RSS ${mb(rss)} MB (before transformers.js is loaded); KV cache ${mb(cacheBytes)} MB (one row per sample with its own prompt copy would be ${mb(appendBytes)} MB)`,
    );

    // transformers.js on the same ONNX model: B·M rows (each prompt repeated M times), left-padded.
    tjs.env.localModelPath = dir;
    const tjsTokenizer = await tjs.AutoTokenizer.from_pretrained(modelDir);
    tjsTokenizer.padding_side = 'left';
    const tjsModel = await tjs.AutoModelForCausalLM.from_pretrained(modelDir, { dtype: 'fp32', device: 'cpu' });
    const repeated = prompts.flatMap((p) => Array.from({ length: SAMPLES }, () => p));
    const greedyCheck = (await tjsModel.generate({
      ...tjsTokenizer([prompts[0]!]),
      max_new_tokens: 8,
      do_sample: false,
    })) as { tolist(): bigint[][] };
    const ours = await samplers.get('inputs')!.sampler.generate([prompts[0]!], { greedy: true, maxNewTokens: 8 });
    const theirs = greedyCheck.tolist()[0]!.slice(-8).map(Number);
    console.log(
      `  greedy tokens agree with transformers.js: ${JSON.stringify(theirs) === JSON.stringify(ours[0]!.completionIds)}`,
    );
    await tjsModel.generate({
      ...tjsTokenizer(repeated.slice(0, 4), { padding: true }),
      max_new_tokens: 4,
      do_sample: true,
      top_k: 0,
    });

    // Every contender once per repetition, in rotating order, so load drifting on the shared machine
    // hits all alike; the MatMul rate of the floor is measured in the same rotation.
    const contenders: Record<string, () => Promise<number>> = {
      inputs: async () =>
        (await samplers.get('inputs')!.sampler.generate(prompts, options)).reduce(
          (n, r) => n + r.completionIds.length,
          0,
        ),
      initializers: async () =>
        (await samplers.get('initializers')!.sampler.generate(prompts, options)).reduce(
          (n, r) => n + r.completionIds.length,
          0,
        ),
      spinning: async () =>
        (await samplers.get('spinning')!.sampler.generate(prompts, options)).reduce(
          (n, r) => n + r.completionIds.length,
          0,
        ),
      'transformers.js': async () => {
        await tjsModel.generate({
          ...tjsTokenizer(repeated, { padding: true }),
          max_new_tokens: NEW_TOKENS,
          min_new_tokens: NEW_TOKENS,
          do_sample: true,
          top_k: 0,
        });
        return generated;
      },
    };
    const names = Object.keys(contenders);
    const measured: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    const matmul: number[] = [];
    for (let run = 0; run < c.runs; run++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + run) % names.length]!;
        measured[name]!.push(await timeRuns(1, contenders[name]!));
      }
      matmul.push(await matmulRate(PROMPTS * SAMPLES, c.config.hiddenSize, c.config.intermediateSize));
    }
    for (const name of names) {
      rates[name] = median(measured[name]!);
      console.log(
        `  ${name}: ${measured[name]!.map((r) => r.toFixed(0)).join(', ')} → median ${rates[name]!.toFixed(0)} tokens/s`,
      );
    }
    const auto = resolveWeightMode(c.config, 'auto');
    const perRound = (a: string, b: string): string =>
      measured[a]!.map((v, i) => (v / measured[b]![i]!).toFixed(2)).join(', ');
    console.log(`  default weight mode (auto): ${auto}`);
    console.log(`  per-round ratios: default / transformers.js ${perRound(auto, 'transformers.js')}`);
    console.log(`  per-round ratios: spinning on / off ${perRound('spinning', auto)}`);
    await samplers.get('spinning')!.lm.release();
    for (const mode of modes) {
      const { lm } = samplers.get(mode)!;
      const t = performance.now();
      await lm.setWeights(weights);
      swaps[mode] = performance.now() - t;
      await lm.release();
    }
    console.log(
      `  setWeights: initializers ${swaps.initializers!.toFixed(0)} ms, inputs ${swaps.inputs!.toFixed(0)} ms`,
    );
    await tjsModel.dispose();

    const rate = median(matmul);
    const floor = rate / flopsPerToken(c.config, meanContext);
    console.log(
      `  ORT MatMul ${(rate / 1e9).toFixed(0)} GFLOP/s → floor ${floor.toFixed(0)} tokens/s (${((100 * rates[auto]!) / floor).toFixed(0)}% reached by the default)`,
    );

    const tjsRuns = measured['transformers.js']!;
    entries.push(
      comparedRounds(
        `group-sampling-${c.name}`,
        measured[auto]!,
        tjsRuns,
        `tokens/s, default weight mode (auto → ${auto}) (${PROMPTS} prompts × ${SAMPLES} samples × ${NEW_TOKENS} new tokens; higher is better; baseline transformers.js ${tjs.env.version}; ratio = median of per-round ratios)`,
      ),
    );
    entries.push(
      comparedRounds(
        `group-sampling-${c.name}-inputs`,
        measured.inputs!,
        tjsRuns,
        `tokens/s with weights as graph inputs (higher is better; baseline transformers.js ${tjs.env.version})`,
      ),
    );
    entries.push(
      comparedRounds(
        `group-sampling-${c.name}-initializers`,
        measured.initializers!,
        measured.inputs!,
        'tokens/s with weights as pre-packed initializers, session rebuilt on setWeights (higher is better; baseline: weights as graph inputs)',
      ),
    );
    entries.push(
      comparedRounds(
        `group-sampling-${c.name}-spinning`,
        measured.spinning!,
        measured[auto]!,
        "tokens/s with ORT's intra-op spinning on (higher is better; baseline: the default, spinning off)",
      ),
    );
    entries.push(
      compared(
        `set-weights-${c.name}`,
        swaps.initializers!,
        swaps.inputs!,
        'ms per setWeights, initializers = session rebuild (lower is better; baseline: weights as graph inputs)',
      ),
    );
    if (c.name === '30m') {
      entries.push(
        compared(
          'group-sampling-30m-floor',
          rates[auto]!,
          floor,
          'tokens/s (higher is better; baseline: FLOPs per generated token / ORT MatMul rate at the decode shape, ratio = share of the floor reached)',
        ),
      );
    }
    entries.push(
      standalone(
        `group-sampling-${c.name}-peak-rss`,
        mb(rss),
        "MB peak RSS of the process after this package's full-size runs, before transformers.js is loaded (cumulative over models; lower is better)",
      ),
    );
    entries.push(
      compared(
        `group-sampling-${c.name}-kv-cache`,
        mb(cacheBytes),
        mb(appendBytes),
        "MB of KV cache (lower is better; baseline: every sample holding its own copy of its prompt's cache)",
      ),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// Top-k / top-p selection at a Qwen-sized vocabulary: the partial selection against ranking the whole
// vocabulary with one comparison sort (how keptTokens worked before), interleaved per round.
if (!ONLY || ONLY.includes('selection')) {
  const vocab = 151936;
  const rng = new SeededRandom(7);
  const lp = logSoftmax(Float32Array.from({ length: vocab }, () => 4 * (rng.next() + rng.next() + rng.next() - 1.5)));
  const fullSort = (topK: number, topP: number): number[] => {
    const order = Array.from({ length: vocab }, (_, i) => i).sort((a, b) => lp[b]! - lp[a]! || a - b);
    const kept = topK > 0 ? order.slice(0, topK) : order;
    let mass = 0;
    for (const id of kept) mass += Math.exp(lp[id]!);
    let cumulative = 0;
    let count = 0;
    while (count < kept.length && topP < 1) {
      cumulative += Math.exp(lp[kept[count]!]!) / mass;
      count++;
      if (cumulative >= topP) break;
    }
    return topP < 1 ? kept.slice(0, count) : kept;
  };
  for (const [name, topK, topP] of [
    ['top-k-50', 50, 1],
    ['top-p-0.9', 0, 0.9],
  ] as const) {
    const time = (fn: () => number[]): number => {
      const t = performance.now();
      fn();
      return performance.now() - t;
    };
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < (QUICK ? 3 : 15); round++) {
      ours.push(time(() => keptTokens(lp, { topK, topP, minP: 0 })));
      theirs.push(time(() => fullSort(topK, topP)));
    }
    console.log(
      `selection ${name} over ${vocab} tokens: ${median(ours).toFixed(2)} ms, full sort ${median(theirs).toFixed(2)} ms`,
    );
    entries.push(
      compared(
        `selection-${name}`,
        median(ours),
        median(theirs),
        `ms per keptTokens over a ${vocab}-token vocabulary (lower is better; baseline: ranking the whole vocabulary with one comparison sort)`,
      ),
    );
  }
}
writeResults('sampler', entries);
