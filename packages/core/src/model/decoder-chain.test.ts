import { parseDecoderConfig, parameterSpecs } from './config.js';
import { ChainSiteMap, chainSiteKey, decoderBackward, decoderForward, decoderParameters, type DecoderBackwardOps, type DecoderForwardOps, type LinearParameters } from './decoder-chain.js';

const base = { hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: 12, vocab_size: 11 };

/** Ops that record each call as text (the handles are the recorded expressions), to read the chain back. */
function recorder(): { forward: DecoderForwardOps<string>; backward: DecoderBackwardOps<string>; calls: string[] } {
  const calls: string[] = [];
  const site = chainSiteKey;
  const log = (text: string): string => {
    calls.push(text);
    return `#${calls.length - 1}`;
  };
  const lin = (p: LinearParameters): string => `${p.weight}${p.bias ? `+${p.bias}` : ''}`;
  return {
    calls,
    forward: {
      embed: (w, s) => log(`embed ${w} @${site(s)}`),
      rmsNorm: (x, w, s) => log(`rmsNorm ${x} ${w} @${site(s)}`),
      headNorm: (x, w, heads, s) => log(`headNorm ${x} ${w} heads=${heads} @${site(s)}`),
      linear: (x, p, s) => log(`linear ${x} ${lin(p)} @${site(s)}`),
      attention: (q, k, v, s) => log(`attention ${q} ${k} ${v} @${site(s)}`),
      residual: (a, b, s) => log(`residual ${a} ${b} @${site(s)}`),
      swiglu: (g, u, s) => log(`swiglu ${g} ${u} @${site(s)}`),
    },
    backward: {
      linearBackward: (dy, p, s) => log(`linearBackward ${dy} ${lin(p)} @${site(s)}`),
      rmsNormBackward: (dy, w, s, r) => log(`rmsNormBackward ${dy} ${w} into ${r ?? '-'} @${site(s)}`),
      headNormBackward: (dy, w, heads, s) => log(`headNormBackward ${dy} ${w} heads=${heads} @${site(s)}`),
      attentionBackward: (d, s) => [log(`dq ${d} @${site(s)}`), log(`dk ${d} @${site(s)}`), log(`dv ${d} @${site(s)}`)],
      swigluBackward: (d, s) => [log(`dgate ${d} @${site(s)}`), log(`dup ${d} @${site(s)}`)],
      addGradients: (a, b, s) => log(`add ${a} ${b} @${site(s)}`),
      embedBackward: (d, w, s) => void log(`embedBackward ${d} ${w} @${site(s)}`),
    },
  };
}

describe('the decoder chain', () => {
  it('names every parameter parameterSpecs lists, each exactly once (untied Qwen2, tied Qwen3)', () => {
    for (const json of [
      { ...base, model_type: 'qwen2' },
      { ...base, model_type: 'qwen3', head_dim: 6, tie_word_embeddings: true },
    ]) {
      const c = parseDecoderConfig(json);
      const P = decoderParameters(c);
      const named = [P.embed, P.finalNorm, ...(c.tieWordEmbeddings ? [] : [P.head.weight])];
      for (const b of P.blocks) {
        named.push(b.inputNorm, b.postNorm, ...[b.qNorm, b.kNorm].filter((n): n is string => n !== null));
        for (const l of [b.q, b.k, b.v, b.o, b.gate, b.up, b.down]) named.push(l.weight, ...(l.bias ? [l.bias] : []));
      }
      expect(named.sort()).toEqual(
        parameterSpecs(c)
          .map((s) => s.name)
          .sort(),
      );
      expect(P.head.weight).toBe(c.tieWordEmbeddings ? P.embed : 'lm_head.weight');
    }
  });

  it('forward: one Llama block in the documented order, logits from the final norm', async () => {
    const c = parseDecoderConfig({ ...base, num_hidden_layers: 1 });
    const r = recorder();
    const logits = await decoderForward(c, r.forward);
    expect(r.calls).toEqual([
      'embed model.embed_tokens.weight @0.x',
      'rmsNorm #0 model.layers.0.input_layernorm.weight @0.n1',
      'linear #1 model.layers.0.self_attn.q_proj.weight @0.q',
      'linear #1 model.layers.0.self_attn.k_proj.weight @0.k',
      'linear #1 model.layers.0.self_attn.v_proj.weight @0.v',
      'attention #2 #3 #4 @0.attention',
      'linear #5 model.layers.0.self_attn.o_proj.weight @0.o',
      'residual #0 #6 @0.x1',
      'rmsNorm #7 model.layers.0.post_attention_layernorm.weight @0.n2',
      'linear #8 model.layers.0.mlp.gate_proj.weight @0.gate',
      'linear #8 model.layers.0.mlp.up_proj.weight @0.up',
      'swiglu #9 #10 @0.h',
      'linear #11 model.layers.0.mlp.down_proj.weight @0.down',
      'residual #7 #12 @0.x2',
      'rmsNorm #13 model.norm.weight @-1.final',
      'linear #14 lm_head.weight @-1.logits',
    ]);
    expect(logits).toBe('#15');
  });

  it('forward: Qwen3 normalises q and k per head before attention', async () => {
    const c = parseDecoderConfig({ ...base, num_hidden_layers: 1, model_type: 'qwen3', head_dim: 6 });
    const r = recorder();
    await decoderForward(c, r.forward);
    expect(r.calls.slice(4, 7)).toEqual([
      'linear #1 model.layers.0.self_attn.v_proj.weight @0.v',
      'headNorm #2 model.layers.0.self_attn.q_norm.weight heads=2 @0.qNormed',
      'headNorm #3 model.layers.0.self_attn.k_norm.weight heads=1 @0.kNormed',
    ]);
    expect(r.calls[7]).toBe('attention #5 #6 #4 @0.attention');
  });

  it('backward: every forward site is visited in reverse, branch sums in the documented order', async () => {
    const c = parseDecoderConfig({ ...base, num_hidden_layers: 1, model_type: 'qwen3', head_dim: 6, tie_word_embeddings: true });
    const r = recorder();
    await decoderBackward(c, r.backward, 'dL');
    expect(r.calls).toEqual([
      'linearBackward dL model.embed_tokens.weight @-1.logits',
      'rmsNormBackward #0 model.norm.weight into - @-1.final',
      'linearBackward #1 model.layers.0.mlp.down_proj.weight @0.down',
      'dgate #2 @0.h',
      'dup #2 @0.h',
      'linearBackward #3 model.layers.0.mlp.gate_proj.weight @0.gate',
      'linearBackward #4 model.layers.0.mlp.up_proj.weight @0.up',
      'add #5 #6 @0.n2',
      'rmsNormBackward #7 model.layers.0.post_attention_layernorm.weight into #1 @0.n2',
      'linearBackward #8 model.layers.0.self_attn.o_proj.weight @0.o',
      'dq #9 @0.attention',
      'dk #9 @0.attention',
      'dv #9 @0.attention',
      'headNormBackward #10 model.layers.0.self_attn.q_norm.weight heads=2 @0.qNormed',
      'headNormBackward #11 model.layers.0.self_attn.k_norm.weight heads=1 @0.kNormed',
      'linearBackward #13 model.layers.0.self_attn.q_proj.weight @0.q',
      'linearBackward #14 model.layers.0.self_attn.k_proj.weight @0.k',
      'add #15 #16 @0.n1',
      'linearBackward #12 model.layers.0.self_attn.v_proj.weight @0.v',
      'add #17 #18 @0.n1',
      'rmsNormBackward #19 model.layers.0.input_layernorm.weight into #8 @0.n1',
      'embedBackward #20 model.embed_tokens.weight @0.x',
    ]);
  });
});

describe('ChainSiteMap', () => {
  it('keeps one value per site, lists them in order, and names a site nothing was kept for', () => {
    const map = new ChainSiteMap<number>();
    map.set({ layer: 0, value: 'n1' }, 1);
    map.set({ layer: -1, value: 'final' }, 2);
    map.set({ layer: 0, value: 'n1' }, 3);
    expect(map.get({ layer: 0, value: 'n1' })).toBe(3);
    expect([...map.values()]).toEqual([3, 2]);
    expect(() => map.get({ layer: 1, value: 'n1' })).toThrow('decoder chain: nothing kept for site 1.n1');
    map.clear();
    expect([...map.values()]).toEqual([]);
  });
});
