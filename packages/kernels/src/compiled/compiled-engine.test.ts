import { initWeights, parseDecoderConfig, SeededRandom } from '@rlvr/core';
import { createDecoderModel, type DecoderModel } from '../backend-model/index.js';
import type { PolicyBatch } from '../policy/index.js';
import { DEMO_MODEL_JSON } from '../testing/model-shapes.js';
import { maxAbs, maxDiff } from '../testing/decoder-fixtures.js';

const config = parseDecoderConfig(DEMO_MODEL_JSON);
const weights = initWeights(config, 3, 0.3);
const B = 32;
const S = 112;

/** A batch whose tokens come from 24 ids, so the embedding's and the head's row gradients hit the same rows thousands of times. */
function batch(): PolicyBatch {
  const rng = new SeededRandom(11);
  const n = B * (S - 1);
  return {
    tokens: Int32Array.from({ length: B * S }, () => Math.floor(rng.next() * 24)),
    attentionMask: new Int32Array(B * S).fill(1),
    batch: B,
    seq: S,
    lossMask: Float32Array.from({ length: n }, (_, i) => (i % (S - 1) >= 20 ? 1 : 0)),
    advantages: Float32Array.from({ length: n }, (_, i) => ((i * 7) % 3) - 1),
  };
}

async function gradientsOf(model: DecoderModel): Promise<Record<string, Float32Array>> {
  await model.policyLoss(batch(), { epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'token-mean' });
  const g = await model.gradients();
  return Object.fromEntries(Object.entries(g).map(([k, t]) => [k, t.data]));
}

/**
 * The compiled engine on two ONNX Runtime threads at the demo's shape, with heavily repeated token ids:
 * every gradient equals the eager engine's (f32 both: 1e-4 of each tensor's max) and two runs agree
 * bit for bit. Row gradients scattered inside the graph (ScatterND with reduction 'add') lost updates
 * to repeated rows on several threads, differently on each run.
 */
describe('compiled engine, two threads, repeated ids', () => {
  it('gradients equal the eager engine and repeat bit for bit', async () => {
    const make = (engine: 'compiled' | 'eager'): Promise<DecoderModel> => createDecoderModel({ config, weights, backend: 'cpu', cpuEngine: engine, threads: 2, log: null });
    const [compiled, eager] = await Promise.all([make('compiled'), make('eager')]);
    try {
      const first = await gradientsOf(compiled);
      const second = await gradientsOf(compiled);
      const reference = await gradientsOf(eager);
      for (const [name, ref] of Object.entries(reference)) {
        expect({ name, close: maxDiff(first[name]!, ref) <= 1e-4 * maxAbs(ref) }).toEqual({ name, close: true });
        expect({ name, same: maxDiff(first[name]!, second[name]!) }).toEqual({ name, same: 0 });
      }
    } finally {
      await compiled.dispose();
      await eager.dispose();
    }
  });
});
