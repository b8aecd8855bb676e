/**
 * What the sampler's benchmarks share: the ~1M-parameter model, and a BPE tokenizer with enough merges
 * for its vocabulary and no EOS (every sample then generates exactly the requested tokens).
 */
import { parseDecoderConfig, SeededRandom, type DecoderConfig } from '@rlvr/core';
import { buildBpeTokenizer, type TokenizerFiles } from '../src/index.js';
import { TINY_CORPUS } from '../src/testing/index.js';

/** The benchmarks' ~1M-parameter Llama-style model (GQA 4/2, tied head, vocabulary 512). */
export const BENCH_1M_CONFIG: DecoderConfig = parseDecoderConfig({
  model_type: 'llama',
  hidden_size: 128,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 384,
  vocab_size: 512,
  max_position_embeddings: 512,
  tie_word_embeddings: true,
});

/** The tiny corpus plus seeded pseudo-words, so BPE learns enough merges for a 2048-token vocabulary. */
function corpus(): string[] {
  const rng = new SeededRandom(5);
  const letters = 'etaoinshrdlucmfwypvbgkjqxz';
  const lines = [...TINY_CORPUS];
  for (let l = 0; l < 400; l++) {
    const words: string[] = [];
    for (let w = 0; w < 12; w++) {
      const n = 2 + Math.floor(rng.next() * 7);
      let word = '';
      for (let c = 0; c < n; c++) word += letters[Math.floor(Math.pow(rng.next(), 2) * letters.length)];
      words.push(word);
    }
    lines.push(words.join(' '));
  }
  return lines;
}

/** A tokenizer of `vocabSize` tokens without EOS, so every sample generates exactly the requested tokens. */
export function benchTokenizer(vocabSize: number): TokenizerFiles {
  const files = buildBpeTokenizer({ corpus: corpus(), vocabSize });
  return { ...files, tokenizerConfig: { ...files.tokenizerConfig, eos_token: null } };
}
