/**
 * Test weights for the WebGPU decoder's tests (shared by its test files; not exported from the package).
 */
import { SeededRandom, parameterSpecs, type DecoderConfig, type NamedTensors } from '@rlvr/core';

/**
 * Weights that make every op matter (initWeights' 0.02 std gives near-uniform attention and zero
 * biases): matrices uniform with std ≈ 1/√in, biases ±0.1, norm gains 1 ± 0.25.
 */
export function testWeights(config: DecoderConfig, seed: number): NamedTensors {
  const random = new SeededRandom(seed);
  const out: NamedTensors = {};
  for (const s of parameterSpecs(config)) {
    const n = s.shape.reduce((x, y) => x * y, 1);
    const data = new Float32Array(n);
    const u = (): number => 2 * random.next() - 1;
    for (let i = 0; i < n; i++) {
      if (s.kind === 'norm') data[i] = 1 + 0.25 * u();
      else if (s.kind === 'bias') data[i] = 0.1 * u();
      else if (s.kind === 'embedding') data[i] = u();
      else data[i] = (Math.sqrt(3) / Math.sqrt(s.shape[1]!)) * u();
    }
    out[s.name] = { shape: [...s.shape], data };
  }
  return out;
}
