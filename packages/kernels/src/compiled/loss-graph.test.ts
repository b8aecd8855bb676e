import { OnnxGraphBuilder } from '@rlvr/core';
import { Tensor } from 'onnxruntime-node';
import { createOrtSession } from '../ort/ort-session.js';
import { aggregationWeights } from '../loss/loss.shared.js';
import { pgLoss } from '../loss/pg-loss.reference.js';
import { PG_LOSS_CASES, pgLossCaseInputs } from '../loss/pg-loss.cases.js';
import { lossGraphInputs } from './compiled-engine.js';
import { recordLossGradient } from './loss-graph.js';

/** d loss/d logprob and d loss/d entropy of the loss graph for `logp`, run by ONNX Runtime. */
async function graphGradients(logp: Float32Array, feeds: ReturnType<typeof lossGraphInputs>): Promise<{ logprob: Float32Array; entropy: Float32Array | null }> {
  const g = new OnnxGraphBuilder('t_');
  const inputs = recordLossGradient(g, feeds.variant, 'logp', { logprob: 'g_logp', entropy: 'g_entropy' });
  const outputs = [{ name: 'g_logp', dims: ['tokens'] }];
  if (feeds.variant.entropy) outputs.push({ name: 'g_entropy', dims: ['tokens'] });
  const session = await createOrtSession(
    {
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: 'logp', dims: ['tokens'] }, ...inputs],
      outputs,
      graphName: 'loss-gradient',
      producer: 'test',
      opset: 17,
    },
    { threads: 1, spinning: false },
  );
  try {
    const run: Record<string, Tensor> = { logp: new Tensor('float32', logp, [logp.length]) };
    for (const i of inputs) {
      const v = feeds.feeds[i.name]!;
      run[i.name] = typeof v === 'number' ? new Tensor('float32', Float32Array.of(v), []) : new Tensor('float32', v, [v.length]);
    }
    const out = await session.run(run);
    return {
      logprob: out.g_logp!.data as Float32Array,
      entropy: feeds.variant.entropy ? (out.g_entropy!.data as Float32Array) : null,
    };
  } finally {
    await session.release();
  }
}

/**
 * The compiled step's loss gradient against the f64 reference loss on every shared PG-loss case, off
 * and on policy, with and without an entropy bonus and a loss scale. Masked positions hold −∞ logprobs
 * (the cases' inputs): their gradient must be exactly 0. Tolerance 1e-5 of the largest gradient (f32
 * exp and products on O(1) values).
 */
describe.each(PG_LOSS_CASES.map((c) => [c.name, c] as const))('loss graph: %s', (_, c) => {
  const x = pgLossCaseInputs(c);
  it.each([
    ['off-policy', false, 0, 1],
    ['on-policy, entropy bonus 0.01, loss scale 0.5', true, 0.01, 0.5],
  ] as const)('%s', async (_mode, onPolicy, entropyCoef, scale) => {
    const inputs = {
      oldLogp: onPolicy ? null : x.oldLogp,
      advantages: x.advantages,
      mask: x.mask,
      refLogp: x.refLogp,
      samplerLogp: x.samplerLogp,
    };
    const options = { ...c.options, vocab: 2, entropyCoef };
    const ref = pgLoss({ ...inputs, logp: Float64Array.from(x.logp) }, c.options);
    const got = await graphGradients(x.logp, lossGraphInputs(inputs, options, scale));
    const weights = aggregationWeights(x.mask, c.options.batch, c.options.seqLen, c.options.aggregation, c.options.normaliser ?? c.options.seqLen);
    let scaleOf = 0;
    for (const v of ref.gradLogp) scaleOf = Math.max(scaleOf, Math.abs(v * scale));
    let maskedNonZero = 0;
    let logprobError = 0;
    let entropyError = 0;
    for (let i = 0; i < x.logp.length; i++) {
      if (x.mask[i] === 0) {
        if (got.logprob[i] !== 0) maskedNonZero++;
        continue;
      }
      logprobError = Math.max(logprobError, Math.abs(got.logprob[i]! - ref.gradLogp[i]! * scale));
      if (got.entropy) entropyError = Math.max(entropyError, Math.abs(got.entropy[i]! + entropyCoef * weights[i]! * scale));
    }
    expect(maskedNonZero).toBe(0);
    expect(logprobError).toBeLessThanOrEqual(1e-5 * scaleOf + 1e-12);
    expect(entropyError).toBeLessThanOrEqual(1e-9);
    expect(got.entropy === null).toBe(entropyCoef === 0);
  });
});

describe('loss graph: options it lacks', () => {
  it.each([
    [{ importanceLevel: 'sequence' }, 'importanceLevel = sequence'],
    [{ clipRatioC: 3 }, 'clipRatioC = 3'],
    [{ tisMode: 'sequence-mask' }, 'tisMode = sequence-mask'],
    [{ topEntropyQuantile: 0.2 }, 'topEntropyQuantile = 0.2'],
    [{ kl: 'low-var-kl' }, 'kl = low-var-kl'],
  ] as const)('refuses %p naming the option (the engine runs those on the rows instead)', (extra, named) => {
    const c = PG_LOSS_CASES[1]!;
    const x = pgLossCaseInputs(c);
    const inputs = { oldLogp: x.oldLogp, advantages: x.advantages, mask: x.mask, refLogp: x.refLogp, samplerLogp: x.samplerLogp };
    expect(() => lossGraphInputs(inputs, { ...c.options, vocab: 2, ...extra }, 1)).toThrow(`compiled loss graph: ${named} is not in the loss graph`);
  });
});
