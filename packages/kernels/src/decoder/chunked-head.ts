/**
 * The LM head and its log-softmax without [tokens, vocab] logits: the forward runs over chunks of
 * positions (rows), keeping only each row's logprob, entropy and log-sum-exp; the backward recomputes
 * the logits one vocabulary slice at a time, turns them into that slice's dlogits from the rows'
 * statistics and upstream gradients, and from them writes the slice's rows of the head weight's
 * gradient (W is [vocab, hidden], so a slice is contiguous) and adds the slice's share of dHidden.
 * Slicing the backward by vocabulary rather than by positions is what keeps the weight gradient free
 * of a [vocab, hidden] temporary: a product writes its output, so per-position chunks would each need
 * one to add from. Either way at most `chunkBytes` of logits (and one slice of dW when accumulating)
 * exist at a time. When all logits fit one chunk the forward's are kept and the backward reads them
 * instead of computing them again.
 */
import type { AttentionWorkspace } from '../attention/attention.cpu.js';
import {
  type LogSoftmaxRowStats,
  logSoftmaxGatherBackwardColumnsF32,
  logSoftmaxRowStatsInto,
} from '../loss/log-softmax-gather.cpu.js';
import { addInto } from '../residual/residual.cpu.js';
import type { MatmulEngine } from './matmul-engine.js';

/** Default bound on one chunk of head logits (and of their gradient): 64 MiB. */
export const DEFAULT_LOGITS_CHUNK_BYTES = 64 * 2 ** 20;

/** The head's operands: final hidden states [tokens, hidden] and the weight [vocab, hidden], with the scratch pool and the chunk bound. */
export interface ChunkedHead {
  engine: MatmulEngine<Float32Array>;
  /** Final hidden states [tokens, hidden]. */
  hidden: Float32Array;
  /** The LM head weight [vocab, hidden] (the embedding when tied). */
  weight: Float32Array;
  tokens: number;
  hiddenSize: number;
  vocab: number;
  /** Upper bound in bytes on one chunk of logits; at least one row (or column) per chunk whatever it is. */
  chunkBytes: number;
  /** Where the chunks live between calls (same shapes ⇒ no allocation per step). */
  scratch: AttentionWorkspace;
}

/**
 * The forward's per-row statistics, and its logits [tokens, vocab] when one chunk held them all (a
 * scratch buffer: valid until the next head forward on the same scratch).
 */
export type HeadRowStats = LogSoftmaxRowStats & { logits?: Float32Array };

/** The rows' upstream gradients for {@link chunkedHeadBackward}, with the forward's statistics. */
export interface HeadSeed {
  targets: Int32Array;
  temperature: number;
  /** The forward's per-row statistics ({@link chunkedHeadRowStats}). */
  stats: HeadRowStats;
  /** dloss/d logprob and dloss/d entropy per row. */
  gLogprob: Float32Array;
  gEntropy: Float32Array;
}

/** Logprob, entropy and log-sum-exp of every row at `targets`, logits divided by `temperature`, in chunks of positions. */
export async function chunkedHeadRowStats(
  h: ChunkedHead,
  targets: Int32Array,
  temperature: number,
): Promise<HeadRowStats> {
  const { tokens, vocab, hiddenSize: k } = h;
  const out: HeadRowStats = {
    logprob: new Float32Array(tokens),
    entropy: new Float32Array(tokens),
    lse: new Float64Array(tokens),
  };
  const rows = Math.max(1, Math.min(tokens, Math.floor(h.chunkBytes / (4 * vocab))));
  for (let r0 = 0; r0 < tokens; r0 += rows) {
    const n = Math.min(rows, tokens - r0);
    const logits = await h.engine.matmul(
      h.hidden.subarray(r0 * k, (r0 + n) * k),
      h.weight,
      { m: n, n: vocab, k, transB: true },
      h.scratch.get('head.logits', n * vocab),
    );
    logSoftmaxRowStatsInto(logits, targets.subarray(r0, r0 + n), { tokens: n, vocab, temperature }, out, r0);
    if (n === tokens) out.logits = logits;
  }
  return out;
}

/**
 * The head's backward from per-row upstream gradients: writes the head weight's gradient into `dWeight`
 * ([vocab, hidden]; added to it with `accumulate`; null for a frozen head, whose dW is skipped) and returns dloss/d hidden [tokens, hidden] (a
 * scratch buffer, valid until the next call).
 */
export async function chunkedHeadBackward(
  h: ChunkedHead,
  seed: HeadSeed,
  dWeight: Float32Array | null,
  accumulate: boolean,
): Promise<Float32Array> {
  const { tokens, vocab, hiddenSize: k, engine } = h;
  // One slice bounds both its logits [tokens, width] and, when accumulating, its dW [width, hidden].
  const width = Math.max(1, Math.min(vocab, Math.floor(h.chunkBytes / (4 * Math.max(tokens, k)))));
  const dHidden = h.scratch.get('head.dHidden', tokens * k);
  for (let v0 = 0; v0 < vocab; v0 += width) {
    const n = Math.min(width, vocab - v0);
    const w = h.weight.subarray(v0 * k, (v0 + n) * k);
    const block =
      n === vocab && seed.stats.logits
        ? seed.stats.logits
        : await engine.matmul(h.hidden, w, { m: tokens, n, k, transB: true }, h.scratch.get('head.block', tokens * n));
    logSoftmaxGatherBackwardColumnsF32(block, seed.targets, seed.stats, seed.gLogprob, seed.gEntropy, {
      tokens,
      from: v0,
      width: n,
      temperature: seed.temperature,
    });
    const dW = dWeight?.subarray(v0 * k, (v0 + n) * k);
    const dWShape = { m: n, n: k, k: tokens, transA: true };
    if (dW && !accumulate) await engine.matmul(block, h.hidden, dWShape, dW);
    else if (dW) addInto(dW, await engine.matmul(block, h.hidden, dWShape, h.scratch.get('head.dW', n * k)), dW);
    const dxShape = { m: tokens, n: k, k: n };
    if (v0 === 0) await engine.matmul(block, w, dxShape, dHidden);
    else addInto(dHidden, await engine.matmul(block, w, dxShape, h.scratch.get('head.dx', tokens * k)), dHidden);
  }
  return dHidden;
}
