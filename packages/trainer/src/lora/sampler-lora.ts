/**
 * The sampler's view of a LoRA policy: its graph runs each adapter on top of the frozen base
 * (x·Wᵀ + scale·((x·Aᵀ)·Bᵀ)) and is fed the policy's own base and adapter arrays, so a training step's
 * update reaches the sampler with no merged copy of the weights.
 */
import type { LiveAdapters } from '@rlvr/kernels';
import type { CausalLmLora } from '@rlvr/sampler';

/** The graph inputs and adapter arrays that let the sampler run `live`'s adapters (the arrays themselves, not copies). */
export function samplerLora(live: Pick<LiveAdapters, 'targets' | 'adapters' | 'scale'>): CausalLmLora {
  const first = live.targets[0];
  if (!first) throw new TypeError('samplerLora: the policy wraps no Linear with an adapter');
  return {
    spec: {
      rank: live.adapters[first.a]!.shape[0]!,
      scale: live.scale,
      adapters: Object.fromEntries(live.targets.map((t) => [t.base.weight, { a: t.a, b: t.b }])),
    },
    adapters: live.adapters,
  };
}
