/**
 * How much memory a compiled step of one micro-batch holds, counted from the recorded forward: every
 * activation it keeps for the backward (their symbolic shapes evaluated at the batch), the
 * [tokens, vocab] tensors of the head, its log-softmax and their gradients, and the step's gradient of
 * every parameter, which it returns beside the model's own gradients (ONNX Runtime's output and its
 * copy in JS: 8 bytes per parameter, which rules out compiling models past ≈ 130M parameters by
 * default; the eager engine accumulates into the model's gradients instead). The cpu backend's `auto`
 * engine compiles a micro-batch only when this is within a budget, because the compiled graphs hold
 * all of it at once where the eager engine bounds it (chunked head, attention recompute, checkpoints).
 */
import { parameterCount, type DecoderConfig, type OnnxDim } from '@rlvr/core';
import { recordForward } from './train-graph.js';

/** [tokens, vocab] float tensors alive in a step besides the saved probabilities: logits, logits / T, log-probabilities, and the backward's two. */
const VOCAB_TENSORS = 5;

/** Gradient sets a compiled step returns beside the model's own: ONNX Runtime's outputs and their JS copies. */
const GRADIENT_SETS = 2;

/** The default budget of the `auto` engine: 1 GiB per micro-batch. */
export const DEFAULT_COMPILED_BUDGET_BYTES = 2 ** 30;

/** Per config: the saved activations' shapes (recording the forward costs milliseconds; a config records once). */
const savedShapes = new WeakMap<DecoderConfig, Promise<OnnxDim[][]>>();

/** Bytes a compiled step of a [batch, seq] micro-batch holds besides the model (see the module comment). */
export async function compiledStepBytes(config: DecoderConfig, batch: number, seq: number): Promise<number> {
  let shapes = savedShapes.get(config);
  if (!shapes) {
    shapes = recordForward(config).then((f) => f.savedValues.map((v) => v.dims));
    savedShapes.set(config, shapes);
  }
  const group = config.numAttentionHeads / config.numKeyValueHeads;
  const size: Record<string, number> = { batch, seq, tokens: batch * seq, group_seq: group * seq };
  let floats = VOCAB_TENSORS * batch * seq * config.vocabSize + GRADIENT_SETS * parameterCount(config);
  for (const dims of await shapes) {
    floats += dims.reduce<number>((n, d) => {
      const extent = typeof d === 'number' ? d : size[d];
      if (extent === undefined) throw new Error(`compiled footprint: unknown dimension ${d}`);
      return n * extent;
    }, 1);
  }
  return 4 * floats;
}
