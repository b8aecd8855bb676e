/**
 * Weights for the memory benchmarks as lazily generated tensors: only the most recently read one exists
 * (validation and the model's copy both read them in parameter order), so the benchmark measures the
 * model's own memory, not a second set of weights held by the harness. RMSNorm gains are ones.
 */
import { type DecoderConfig, parameterSpecs } from '@rlvr/core';

/** Named tensors of `config` whose data is made on first read by `fill(parameterIndex, length)`. */
export function lazyWeights(
  config: DecoderConfig,
  fill: (index: number, length: number) => Float32Array,
): Record<string, { shape: number[]; data: Float32Array }> {
  let last: { name: string; data: Float32Array } | undefined;
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  parameterSpecs(config).forEach((s, index) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    Object.defineProperty(out, s.name, {
      enumerable: true,
      value: {
        shape: s.shape,
        get data(): Float32Array {
          if (last?.name !== s.name) {
            last = { name: s.name, data: s.kind === 'norm' ? new Float32Array(n).fill(1) : fill(index, n) };
          }
          return last.data;
        },
      },
    });
  });
  return out;
}
