import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildBpeTokenizer, writeTokenizerFiles } from './bpe-builder.js';
import { SamplerTokenizer } from './tokenizer.js';
import { TokenizerError } from '../errors.js';

const corpus = [
  'The quick brown fox jumps over the lazy dog. The dog sleeps.',
  'Using the numbers [3, 5, 7], create an equation that equals 22. Answer: (3 * 5) + 7 = 22',
  'def f(x):\n    return x * x  # square\n',
];

describe('byte-level BPE tokenizer generated for tiny models', () => {
  const files = buildBpeTokenizer({ corpus, vocabSize: 300 });
  const tok = SamplerTokenizer.fromObjects(files.tokenizerJson, files.tokenizerConfig);
  // The corpus is small: merges stop once no pair occurs twice, so the vocabulary may be below 300.
  const special = tok.vocabSize - 3;

  it('has 256 bytes + learned merges + 3 special tokens, ids without gaps', () => {
    expect(tok.vocabSize).toBeGreaterThan(256 + 3 + 10);
    expect(tok.vocabSize).toBeLessThanOrEqual(300);
    const vocab = (files.tokenizerJson.model as { vocab: Record<string, number> }).vocab;
    expect(new Set(Object.values(vocab)).size).toBe(Object.keys(vocab).length);
    expect(Math.max(...Object.values(vocab))).toBe(Object.keys(vocab).length - 1);
  });

  it('merges shorten the training text to under 3/4 of its bytes', () => {
    const text = corpus[0]!;
    expect(tok.encode(text).length).toBeLessThan(new TextEncoder().encode(text).length * 0.75);
  });

  it('round-trips arbitrary unicode text exactly (property test)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const ids = tok.encode(text);
        expect(ids.every((id) => id >= 0 && id < special)).toBe(true); // no special token from plain text
        expect(tok.decode(ids)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips whitespace, emoji, CJK and special tokens; skipSpecialTokens drops them', () => {
    const text = '<|im_start|>user\n  tabs\tand  spaces 🦊 日本語 x²<|im_end|>\n';
    const ids = tok.encode(text);
    expect(ids.filter((id) => id >= special).map((id) => tok.idToToken(id))).toEqual(['<|im_start|>', '<|im_end|>']);
    expect(tok.decode(ids, false)).toBe(text);
    expect(tok.decode(ids, true)).toBe('user\n  tabs\tand  spaces 🦊 日本語 x²\n');
  });

  it('reads EOS / PAD / BOS from tokenizer_config.json', () => {
    expect(tok.eosTokenIds).toEqual([special + 2]);
    expect(tok.padTokenId).toBe(special);
    expect(tok.bosTokenId).toBeNull();
    expect(tok.withExtraEos([special]).eosTokenIds).toEqual([special + 2, special]);
  });

  it('renders the ChatML chat template (with and without the generation prompt)', () => {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ];
    expect(tok.applyChatTemplate(messages)).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    expect(tok.applyChatTemplate(messages, { addGenerationPrompt: false })).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n');
  });

  it('renders a Llama-style template using bos_token and loops', () => {
    const llama = SamplerTokenizer.fromObjects(files.tokenizerJson, {
      ...files.tokenizerConfig,
      bos_token: { content: '<|endoftext|>' },
      chat_template: "{{ bos_token }}{% for m in messages %}[{{ m['role'] | upper }}] {{ m['content'] }}{% if not loop.last %} {% endif %}{% endfor %}",
    });
    expect(llama.bosTokenId).toBe(special);
    expect(
      llama.applyChatTemplate([
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
      ]),
    ).toBe('<|endoftext|>[USER] a [ASSISTANT] b');
  });
});

describe('BPE with isolated digits (arithmetic tasks)', () => {
  const digitsCorpus = Array.from({ length: 40 }, (_, i) => `Using the numbers [${i}, ${i * 7}, 53], make ${100 + i}. <answer> 53 - ${i} </answer>`);
  const files = buildBpeTokenizer({ corpus: digitsCorpus, vocabSize: 320, isolateDigits: true });
  const tok = SamplerTokenizer.fromObjects(files.tokenizerJson, files.tokenizerConfig);
  const plain = buildBpeTokenizer({ corpus: digitsCorpus, vocabSize: 320 });
  const plainTok = SamplerTokenizer.fromObjects(plain.tokenizerJson, plain.tokenizerConfig);
  const tokens = (t: SamplerTokenizer, text: string) => t.encode(text).map((id) => t.decode([id]));

  it('gives every digit a token of its own, so a number is spelled the same after "[" and after a space', () => {
    expect(tokens(tok, '[53, 7]').filter((t) => /\d/.test(t))).toEqual(['5', '3', '7']);
    expect(tokens(tok, ' 53 - 7').filter((t) => /\d/.test(t))).toEqual(['5', '3', '7']);
    // Without isolation the builder learns merges across digits (" 53" after a space), the failure this option fixes.
    expect(tokens(plainTok, ' 53').length).toBe(1);
  });

  it('still merges words, and round-trips text exactly (property test)', () => {
    expect(tok.encode(' numbers').length).toBe(1);
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        expect(tok.decode(tok.encode(text))).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});

describe('tokenizer loading errors name the file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rlvr-tok-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a directory written by writeTokenizerFiles', () => {
    writeTokenizerFiles(dir, buildBpeTokenizer({ corpus, vocabSize: 280 }));
    const tok = SamplerTokenizer.load(dir);
    expect(tok.decode(tok.encode('fox 22'))).toBe('fox 22');
  });

  it('missing tokenizer.json', () => {
    expect(() => SamplerTokenizer.load(dir)).toThrow(new TokenizerError(join(dir, 'tokenizer.json'), 'file not found'));
  });

  it('malformed JSON', () => {
    writeFileSync(join(dir, 'tokenizer.json'), '{"version": ');
    expect(() => SamplerTokenizer.load(dir)).toThrow(/tokenizer\.json: not valid JSON/);
  });

  it('an eos_token that is not in the vocabulary', () => {
    const files = buildBpeTokenizer({ corpus, vocabSize: 280 });
    writeTokenizerFiles(dir, { ...files, tokenizerConfig: { ...files.tokenizerConfig, eos_token: '</s>' } });
    expect(() => SamplerTokenizer.load(dir)).toThrow(/tokenizer_config\.json: eos_token "<\/s>" is not a token of tokenizer\.json/);
  });

  it('a tokenizer.json the library rejects', () => {
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'WordLevel', vocab: {} } }));
    expect(() => SamplerTokenizer.load(dir)).toThrow(TokenizerError);
  });

  it('asking for a chat template that does not exist', () => {
    const files = buildBpeTokenizer({ corpus, vocabSize: 280, specialTokens: ['<|endoftext|>'] });
    const tok = SamplerTokenizer.fromObjects(files.tokenizerJson, files.tokenizerConfig);
    expect(() => tok.applyChatTemplate([{ role: 'user', content: 'x' }])).toThrow(/no chat template found/);
  });
});
