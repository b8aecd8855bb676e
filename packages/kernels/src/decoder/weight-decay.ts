/** The one weight-decay rule of every decoder optimizer step. */
import type { ParameterSpec } from '@rlvr/core';

/**
 * Whether AdamW decays this parameter: matrices and the embedding always; RMSNorm gains and biases
 * only with `decayNormsAndBiases` (HF Trainer's convention: decaying gains towards 0 shrinks activations
 * for no regularising gain).
 */
export function decaysWeight(spec: ParameterSpec, decayNormsAndBiases: boolean | undefined): boolean {
  return decayNormsAndBiases === true || spec.kind === 'linear' || spec.kind === 'embedding';
}
